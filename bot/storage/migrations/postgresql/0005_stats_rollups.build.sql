-- PostgreSQL twin of the build section of ../0005_stats_rollups.sql; run by bot/storage/_rollups.py.
-- build: the rollups of the rows already stored (also run by Storage.rebuild_rollups).
-- Set-based: a member's representative session on a day is the latest session started by then,
-- unless one has been completed by then (the latest of those). Number each member's sessions by
-- (started_at, id); each session raises "latest started" from its start day and, if completed,
-- "latest completed" from the later of its start and finish days (a clock set back can finish it
-- before it starts); running maxima over the member's change days give the representative's number.
SET LOCAL work_mem = '64MB';
CREATE TEMP TABLE rollup_sessions ON COMMIT DROP AS
SELECT s.id, s.guild_id, s.user_id, s.status, s.position, s.quiz_version,
       floor(s.started_at / 86400)::bigint AS sd,
       CASE WHEN s.status = 'active' THEN NULL
            ELSE floor(coalesce(s.finished_at, s.started_at) / 86400)::bigint END AS fd,
       row_number() OVER (PARTITION BY s.guild_id, s.user_id ORDER BY s.started_at, s.id) AS seq
FROM quiz_sessions AS s WHERE s.guild_id IS NOT NULL;
ANALYZE rollup_sessions;
-- Every change day of every member (each start day and each finish day), the representative from
-- then on (seq), and the next change day.
CREATE TEMP TABLE rollup_span ON COMMIT DROP AS
WITH events AS (
    SELECT guild_id, user_id, sd AS d, seq AS started,
           CASE WHEN status = 'completed' AND fd <= sd THEN seq END AS done
    FROM rollup_sessions
    UNION ALL
    SELECT guild_id, user_id, fd, NULL, CASE WHEN status = 'completed' AND fd > sd THEN seq END
    FROM rollup_sessions WHERE fd IS NOT NULL
), rep AS (
    SELECT guild_id, user_id, d, lead(d) OVER w AS next_d,
           coalesce(max(max(done)) OVER w, max(max(started)) OVER w) AS seq
    FROM events GROUP BY guild_id, user_id, d
    WINDOW w AS (PARTITION BY guild_id, user_id ORDER BY d ROWS UNBOUNDED PRECEDING)
)
-- Days before the member's first start (a finish stamped before its own start) have no
-- representative (seq NULL) and drop out here; they only ever precede the first start day.
SELECT rep.guild_id, rep.d, rep.next_d, s.id AS sid, s.sd, s.quiz_version, s.position,
       CASE WHEN s.fd <= rep.d THEN s.status ELSE 'active' END AS status
FROM rep JOIN rollup_sessions AS s ON s.guild_id = rep.guild_id AND s.user_id = rep.user_id AND s.seq = rep.seq;
DROP TABLE rollup_sessions;
-- Each representative period as +1 from its day and -1 from the next change day, netted per session,
-- status and day before the joins (a session representative on consecutive change days in the same
-- status cancels out here, not after joining its answers).
CREATE TEMP TABLE rollup_delta ON COMMIT DROP AS
SELECT sid, guild_id, sd, quiz_version, position, status, cday, sum(n) AS n FROM (
    SELECT sid, guild_id, sd, quiz_version, position, status, d AS cday, 1 AS n FROM rollup_span
    UNION ALL
    SELECT sid, guild_id, sd, quiz_version, position, status, next_d, -1
    FROM rollup_span WHERE next_d IS NOT NULL
) AS deltas GROUP BY sid, guild_id, sd, quiz_version, position, status, cday HAVING sum(n) != 0;
DROP TABLE rollup_span;
ANALYZE rollup_delta;
INSERT INTO stats_funnel (guild_id, start_day, change_day, status, quiz_version, position, n)
SELECT guild_id, sd, cday, status, quiz_version,
       CASE WHEN status IN ('abandoned', 'cancelled', 'expired') THEN position ELSE -1 END AS pos, sum(n)
FROM rollup_delta GROUP BY guild_id, sd, cday, status, quiz_version, pos HAVING sum(n) != 0
ORDER BY guild_id, sd, cday, status, quiz_version, pos;
INSERT INTO stats_results (guild_id, start_day, change_day, week_day, outcome, minutes, n)
SELECT guild_id, sd, cday, cd - (cd + 3) % 7 AS wd, outcome, minutes, sum(n) FROM (
    SELECT dl.guild_id, dl.sd, dl.cday, floor(r.completed_at / 86400)::bigint AS cd, r.outcome,
           greatest(0, floor((r.completed_at - r.started_at) / 60)::bigint) AS minutes, dl.n
    FROM rollup_delta AS dl JOIN quiz_results AS r ON r.session_id = dl.sid WHERE dl.status = 'completed'
) AS deltas GROUP BY guild_id, sd, cday, cd - (cd + 3) % 7, outcome, minutes HAVING sum(n) != 0
ORDER BY guild_id, sd, cday, wd, outcome, minutes;
INSERT INTO stats_answers (guild_id, start_day, change_day, question_id, option_id, position, n)
SELECT dl.guild_id, dl.sd, dl.cday, a.question_id, a.option_id, dl.position, sum(dl.n)
FROM rollup_delta AS dl JOIN quiz_answers AS a ON a.session_id = dl.sid WHERE dl.status = 'completed'
GROUP BY dl.guild_id, dl.sd, dl.cday, a.question_id, a.option_id, dl.position HAVING sum(dl.n) != 0
ORDER BY dl.guild_id, dl.sd, dl.cday, a.question_id, a.option_id, dl.position;
-- The same deltas summed over start days, under start day -2: what "all time" reads.
-- (Each insert is ordered as its primary key: the index grows at its right edge, not at random
-- pages of an index larger than shared_buffers.)
INSERT INTO stats_funnel (guild_id, start_day, change_day, status, quiz_version, position, n)
SELECT guild_id, -2, change_day, status, quiz_version, position, sum(n) FROM stats_funnel
WHERE start_day <> -2 GROUP BY guild_id, change_day, status, quiz_version, position HAVING sum(n) != 0
ORDER BY guild_id, change_day, status, quiz_version, position;
INSERT INTO stats_results (guild_id, start_day, change_day, week_day, outcome, minutes, n)
SELECT guild_id, -2, change_day, week_day, outcome, minutes, sum(n) FROM stats_results
WHERE start_day <> -2 GROUP BY guild_id, change_day, week_day, outcome, minutes HAVING sum(n) != 0
ORDER BY guild_id, change_day, week_day, outcome, minutes;
INSERT INTO stats_answers (guild_id, start_day, change_day, question_id, option_id, position, n)
SELECT guild_id, -2, change_day, question_id, option_id, position, sum(n) FROM stats_answers
WHERE start_day <> -2 GROUP BY guild_id, change_day, question_id, option_id, position HAVING sum(n) != 0
ORDER BY guild_id, change_day, question_id, option_id, position;
DROP TABLE rollup_delta;
