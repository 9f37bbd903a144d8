-- Moderators' statistics as rollups kept by every write (bot/storage/_rollups.py holds the rules).
-- Each member counts once per guild, by a representative session (their latest completed one, else
-- their latest). Rows are deltas: n members from UTC day ``change_day`` on, for representative
-- sessions that started on UTC day ``start_day`` (days are epoch seconds / 86400, floored). The
-- figures as of the end of day E for a period are sums over start_day in the period and
-- change_day <= E. Deletions (forget, retention, a departed server) apply negative deltas. Start
-- day -2 holds every delta again, summed over start days, for "all time"; housekeeping compacts.
CREATE TABLE stats_funnel (
    guild_id     INTEGER NOT NULL,
    start_day    INTEGER NOT NULL,
    change_day   INTEGER NOT NULL,
    status       TEXT    NOT NULL,
    quiz_version TEXT    NOT NULL,
    position     INTEGER NOT NULL,              -- where a stopped session stood; -1 otherwise
    n            INTEGER NOT NULL,
    PRIMARY KEY (guild_id, start_day, change_day, status, quiz_version, position)
) WITHOUT ROWID;

CREATE TABLE stats_results (
    guild_id     INTEGER NOT NULL,
    start_day    INTEGER NOT NULL,
    change_day   INTEGER NOT NULL,
    week_day     INTEGER NOT NULL,              -- the Monday (as a day number) of the result's week
    outcome      TEXT    NOT NULL,
    minutes      INTEGER NOT NULL,              -- whole minutes from start to result, for the median
    n            INTEGER NOT NULL,
    PRIMARY KEY (guild_id, start_day, change_day, week_day, outcome, minutes)
) WITHOUT ROWID;

CREATE TABLE stats_answers (
    guild_id     INTEGER NOT NULL,
    start_day    INTEGER NOT NULL,
    change_day   INTEGER NOT NULL,
    question_id  TEXT    NOT NULL,
    option_id    TEXT    NOT NULL,
    position     INTEGER NOT NULL,              -- the session's final position: later answers were dropped
    n            INTEGER NOT NULL,
    PRIMARY KEY (guild_id, start_day, change_day, question_id, option_id, position)
) WITHOUT ROWID;

-- build: the rollups of the rows already stored (also run by Storage.rebuild_rollups).
CREATE TEMP TABLE rollup_sessions AS
SELECT s.id, s.guild_id, s.user_id, s.started_at, s.status, s.position, s.quiz_version,
       CAST(s.started_at / 86400 AS INTEGER) AS sd,
       CASE WHEN s.status = 'active' THEN NULL
            ELSE CAST(coalesce(s.finished_at, s.started_at) / 86400 AS INTEGER) END AS fd
FROM quiz_sessions AS s WHERE s.guild_id IS NOT NULL;
CREATE INDEX temp.rollup_sessions_member ON rollup_sessions (guild_id, user_id, sd);
CREATE TEMP TABLE rollup_span AS
WITH pts AS (
    SELECT guild_id, user_id, sd AS d FROM rollup_sessions
    UNION SELECT guild_id, user_id, fd FROM rollup_sessions WHERE fd IS NOT NULL
), rep AS (
    -- The latest session completed by then, else the latest started by then.
    SELECT p.guild_id, p.user_id, p.d, coalesce((
        SELECT s.id FROM rollup_sessions AS s
        WHERE s.guild_id = p.guild_id AND s.user_id = p.user_id AND s.sd <= p.d
            AND s.status = 'completed' AND s.fd <= p.d
        ORDER BY s.started_at DESC, s.id DESC LIMIT 1
    ), (
        SELECT s.id FROM rollup_sessions AS s
        WHERE s.guild_id = p.guild_id AND s.user_id = p.user_id AND s.sd <= p.d
        ORDER BY s.started_at DESC, s.id DESC LIMIT 1
    )) AS sid FROM pts AS p
)
SELECT rep.guild_id, rep.d, lead(rep.d) OVER (PARTITION BY rep.guild_id, rep.user_id ORDER BY rep.d) AS next_d,
       s.id AS sid, s.sd, s.quiz_version, s.position,
       CASE WHEN s.fd <= rep.d THEN s.status ELSE 'active' END AS status
FROM rep JOIN rollup_sessions AS s ON s.id = rep.sid;
INSERT INTO stats_funnel (guild_id, start_day, change_day, status, quiz_version, position, n)
SELECT guild_id, sd, cday, status, quiz_version, pos, sum(n) FROM (
    SELECT guild_id, sd, d AS cday, status, quiz_version,
           CASE WHEN status IN ('abandoned', 'cancelled', 'expired') THEN position ELSE -1 END AS pos, 1 AS n
    FROM rollup_span
    UNION ALL
    SELECT guild_id, sd, next_d, status, quiz_version,
           CASE WHEN status IN ('abandoned', 'cancelled', 'expired') THEN position ELSE -1 END, -1
    FROM rollup_span WHERE next_d IS NOT NULL
) AS deltas GROUP BY guild_id, sd, cday, status, quiz_version, pos HAVING sum(n) != 0;
INSERT INTO stats_results (guild_id, start_day, change_day, week_day, outcome, minutes, n)
SELECT guild_id, sd, cday, cd - (cd + 3) % 7 AS wd, outcome, minutes, sum(n) FROM (
    SELECT sp.guild_id, sp.sd, sp.d AS cday, CAST(r.completed_at / 86400 AS INTEGER) AS cd, r.outcome,
           max(0, CAST((r.completed_at - r.started_at) / 60 AS INTEGER)) AS minutes, 1 AS n
    FROM rollup_span AS sp JOIN quiz_results AS r ON r.session_id = sp.sid WHERE sp.status = 'completed'
    UNION ALL
    SELECT sp.guild_id, sp.sd, sp.next_d, CAST(r.completed_at / 86400 AS INTEGER), r.outcome,
           max(0, CAST((r.completed_at - r.started_at) / 60 AS INTEGER)), -1
    FROM rollup_span AS sp JOIN quiz_results AS r ON r.session_id = sp.sid
    WHERE sp.status = 'completed' AND sp.next_d IS NOT NULL
) AS deltas GROUP BY guild_id, sd, cday, cd - (cd + 3) % 7, outcome, minutes HAVING sum(n) != 0;
INSERT INTO stats_answers (guild_id, start_day, change_day, question_id, option_id, position, n)
SELECT guild_id, sd, cday, question_id, option_id, position, sum(n) FROM (
    SELECT sp.guild_id, sp.sd, sp.d AS cday, a.question_id, a.option_id, sp.position, 1 AS n
    FROM rollup_span AS sp JOIN quiz_answers AS a ON a.session_id = sp.sid WHERE sp.status = 'completed'
    UNION ALL
    SELECT sp.guild_id, sp.sd, sp.next_d, a.question_id, a.option_id, sp.position, -1
    FROM rollup_span AS sp JOIN quiz_answers AS a ON a.session_id = sp.sid
    WHERE sp.status = 'completed' AND sp.next_d IS NOT NULL
) AS deltas GROUP BY guild_id, sd, cday, question_id, option_id, position HAVING sum(n) != 0;
-- The same deltas summed over start days, under start day -2: what "all time" reads.
INSERT INTO stats_funnel (guild_id, start_day, change_day, status, quiz_version, position, n)
SELECT guild_id, -2, change_day, status, quiz_version, position, sum(n) FROM stats_funnel
WHERE start_day <> -2 GROUP BY guild_id, change_day, status, quiz_version, position HAVING sum(n) != 0;
INSERT INTO stats_results (guild_id, start_day, change_day, week_day, outcome, minutes, n)
SELECT guild_id, -2, change_day, week_day, outcome, minutes, sum(n) FROM stats_results
WHERE start_day <> -2 GROUP BY guild_id, change_day, week_day, outcome, minutes HAVING sum(n) != 0;
INSERT INTO stats_answers (guild_id, start_day, change_day, question_id, option_id, position, n)
SELECT guild_id, -2, change_day, question_id, option_id, position, sum(n) FROM stats_answers
WHERE start_day <> -2 GROUP BY guild_id, change_day, question_id, option_id, position HAVING sum(n) != 0;
DROP TABLE rollup_span;
DROP TABLE rollup_sessions;
