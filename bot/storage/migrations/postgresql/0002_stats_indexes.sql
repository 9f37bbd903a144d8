-- Moderators' statistics (bot/stats.py) count each member once, so they GROUP BY user_id within a
-- guild. These covering indexes hand over a guild's rows already grouped by member, with every column
-- those queries read: no temp B-tree, no table lookups. position is left out on purpose: it changes
-- on every answer, and the few stopped sessions the drop-off needs are looked up by id instead.
CREATE INDEX quiz_sessions_guild_user ON quiz_sessions (guild_id, user_id, started_at, status, quiz_version);
CREATE INDEX quiz_results_guild_user
    ON quiz_results (guild_id, user_id, started_at, outcome, completed_at, session_id);
-- Per-entry vote totals for one guild.
CREATE INDEX faq_feedback_guild_entry ON faq_feedback (guild_id, entry_id, vote);
