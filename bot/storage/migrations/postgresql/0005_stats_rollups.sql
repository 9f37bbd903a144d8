-- PostgreSQL twin of ../0005_stats_rollups.sql (its keys carry n, so a summary is an index-only scan,
-- as SQLite's WITHOUT ROWID tables give). Moderators' statistics as rollups kept by every write (bot/storage/_rollups.py holds the rules).
-- Each member counts once per guild, by a representative session (their latest completed one, else
-- their latest). Rows are deltas: n members from UTC day ``change_day`` on, for representative
-- sessions that started on UTC day ``start_day`` (days are epoch seconds / 86400, floored). The
-- figures as of the end of day E for a period are sums over start_day in the period and
-- change_day <= E. Deletions (forget, retention, a departed server) apply negative deltas. Start
-- day -2 holds every delta again, summed over start days, for "all time"; housekeeping compacts.
CREATE TABLE stats_funnel (
    guild_id     BIGINT NOT NULL,
    start_day    BIGINT NOT NULL,
    change_day   BIGINT NOT NULL,
    status       TEXT    NOT NULL,
    quiz_version TEXT    NOT NULL,
    position     BIGINT NOT NULL,              -- where a stopped session stood; -1 otherwise
    n            BIGINT NOT NULL,
    PRIMARY KEY (guild_id, start_day, change_day, status, quiz_version, position) INCLUDE (n)
);

CREATE TABLE stats_results (
    guild_id     BIGINT NOT NULL,
    start_day    BIGINT NOT NULL,
    change_day   BIGINT NOT NULL,
    week_day     BIGINT NOT NULL,              -- the Monday (as a day number) of the result's week
    outcome      TEXT    NOT NULL,
    minutes      BIGINT NOT NULL,              -- whole minutes from start to result, for the median
    n            BIGINT NOT NULL,
    PRIMARY KEY (guild_id, start_day, change_day, week_day, outcome, minutes) INCLUDE (n)
);

CREATE TABLE stats_answers (
    guild_id     BIGINT NOT NULL,
    start_day    BIGINT NOT NULL,
    change_day   BIGINT NOT NULL,
    question_id  TEXT    NOT NULL,
    option_id    TEXT    NOT NULL,
    position     BIGINT NOT NULL,              -- the session's final position: later answers were dropped
    n            BIGINT NOT NULL,
    PRIMARY KEY (guild_id, start_day, change_day, question_id, option_id, position) INCLUDE (n)
);

-- The build for a database that already holds quizzes is in 0005_stats_rollups.build.sql: Storage.open
-- runs it once, right after this migration, under an advisory lock and without the driver's 60 s
-- statement timeout (a million results take minutes).
