-- Questions a moderator taught the FAQ answerer (/quizstats faq): the wording the moderator submitted
-- and the entry that should answer it, or 'none' for "not for this bot". One server's training
-- examples, no longer linked to any member: no user id is kept, not even the moderator's.
CREATE TABLE faq_taught (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    question    TEXT    NOT NULL,
    label       TEXT    NOT NULL,           -- an entry id of data/faq.yaml, or 'none'
    taught_at   REAL    NOT NULL
);
CREATE INDEX faq_taught_guild ON faq_taught (guild_id, taught_at);
