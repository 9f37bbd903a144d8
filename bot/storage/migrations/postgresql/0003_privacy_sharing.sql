-- A vote points at the question it answered instead of copying its text: retention purges and a
-- member's /careerbot forget then remove that text everywhere at once.
ALTER TABLE faq_feedback ADD COLUMN query_id BIGINT REFERENCES faq_queries (id) ON DELETE SET NULL;
UPDATE faq_feedback SET question = NULL;
-- "Share to server" posts a result once.
ALTER TABLE quiz_results ADD COLUMN shared_at DOUBLE PRECISION;
