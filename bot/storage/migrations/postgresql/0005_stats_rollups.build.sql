-- PostgreSQL twin of the build section of ../0005_stats_rollups.sql; run by bot/storage/_rollups.py.
-- build: the rollups of the rows already stored (also run by Storage.rebuild_rollups).
CREATE TEMP TABLE rollup_sessions ON COMMIT DROP AS
SELECT s.id, s.guild_id, s.user_id, s.started_at, s.status, s.position, s.quiz_version,
       floor(s.started_at / 86400)::bigint AS sd,
       CASE WHEN s.status = 'active' THEN NULL
            ELSE floor(coalesce(s.finished_at, s.started_at) / 86400)::bigint END AS fd
FROM quiz_sessions AS s WHERE s.guild_id IS NOT NULL;
CREATE INDEX rollup_sessions_member ON rollup_sessions (guild_id, user_id, sd);
ANALYZE rollup_sessions;
CREATE TEMP TABLE rollup_span ON COMMIT DROP AS
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
ANALYZE rollup_span;
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
    SELECT sp.guild_id, sp.sd, sp.d AS cday, floor(r.completed_at / 86400)::bigint AS cd, r.outcome,
           greatest(0, floor((r.completed_at - r.started_at) / 60)::bigint) AS minutes, 1 AS n
    FROM rollup_span AS sp JOIN quiz_results AS r ON r.session_id = sp.sid WHERE sp.status = 'completed'
    UNION ALL
    SELECT sp.guild_id, sp.sd, sp.next_d, floor(r.completed_at / 86400)::bigint, r.outcome,
           greatest(0, floor((r.completed_at - r.started_at) / 60)::bigint), -1
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
