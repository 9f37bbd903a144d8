-- Statistics show each session as it stood at their cut-off (finished_at), so the covering index
-- carries finished_at too; and votes are found by the question they point at when that question is
-- purged or forgotten (ON DELETE SET NULL would otherwise scan faq_feedback for every deleted row).
DROP INDEX quiz_sessions_guild_user;
CREATE INDEX quiz_sessions_guild_user
    ON quiz_sessions (guild_id, user_id, started_at, status, quiz_version, finished_at);
CREATE INDEX faq_feedback_query ON faq_feedback (query_id);
