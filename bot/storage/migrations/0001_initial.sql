-- Initial schema. Times are UTC epoch seconds. Later changes come as new numbered files.
CREATE TABLE guild_settings (
    guild_id            INTEGER PRIMARY KEY,
    mentions_enabled    INTEGER NOT NULL DEFAULT 1,
    mention_channels    TEXT    NOT NULL DEFAULT '[]',   -- JSON list of channel ids; empty = everywhere
    moderator_roles     TEXT    NOT NULL DEFAULT '[]',   -- JSON list of role ids
    path_role_ai        INTEGER,
    path_role_ml        INTEGER,
    path_role_hybrid    INTEGER,
    faq_retention_days  INTEGER,                         -- NULL = the settings default
    session_retention_days INTEGER,                      -- NULL = keep
    left_at             REAL,                            -- bot removed from the guild at
    updated_at          REAL    NOT NULL
);

CREATE TABLE quiz_sessions (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL,
    guild_id        INTEGER,                -- where /careerquiz was used; NULL = started in DMs
    origin_channel_id INTEGER,              -- channel for "Share to server"
    quiz_version    TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('active','completed','cancelled','expired','abandoned')),
    position        INTEGER NOT NULL DEFAULT 0,
    mode            TEXT    NOT NULL DEFAULT 'dm' CHECK (mode IN ('dm','channel')),
    message_channel_id INTEGER,             -- the DM message edited in place
    message_id      INTEGER,
    started_at      REAL    NOT NULL,
    updated_at      REAL    NOT NULL,
    finished_at     REAL
);
-- One active session per member, enforced by the database itself.
CREATE UNIQUE INDEX quiz_sessions_one_active ON quiz_sessions (user_id) WHERE status = 'active';
CREATE INDEX quiz_sessions_guild_started ON quiz_sessions (guild_id, started_at);
CREATE INDEX quiz_sessions_user ON quiz_sessions (user_id);
CREATE INDEX quiz_sessions_active_updated ON quiz_sessions (status, updated_at);

CREATE TABLE quiz_answers (
    session_id  INTEGER NOT NULL REFERENCES quiz_sessions (id) ON DELETE CASCADE,
    question_id TEXT    NOT NULL,
    option_id   TEXT    NOT NULL,
    answered_at REAL    NOT NULL,
    PRIMARY KEY (session_id, question_id)
) WITHOUT ROWID;

CREATE TABLE quiz_results (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER NOT NULL UNIQUE REFERENCES quiz_sessions (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL,
    guild_id        INTEGER,
    outcome         TEXT    NOT NULL CHECK (outcome IN ('ai','ml','hybrid')),
    fit_ai          INTEGER NOT NULL CHECK (fit_ai BETWEEN 0 AND 100),
    fit_ml          INTEGER NOT NULL CHECK (fit_ml BETWEEN 0 AND 100),
    quiz_version    TEXT    NOT NULL,
    content_version TEXT    NOT NULL,
    started_at      REAL    NOT NULL,
    completed_at    REAL    NOT NULL
);
CREATE INDEX quiz_results_guild_completed ON quiz_results (guild_id, completed_at);
CREATE INDEX quiz_results_user ON quiz_results (user_id, completed_at);

CREATE TABLE faq_queries (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    guild_id    INTEGER,
    question    TEXT    NOT NULL,
    entry_id    TEXT,                       -- the answer given, or the best candidate when declined
    score       REAL    NOT NULL,
    declined    INTEGER NOT NULL CHECK (declined IN (0,1)),
    source      TEXT    NOT NULL CHECK (source IN ('slash','mention','button')),
    asked_at    REAL    NOT NULL
);
CREATE INDEX faq_queries_guild_asked ON faq_queries (guild_id, asked_at);
CREATE INDEX faq_queries_user ON faq_queries (user_id);

CREATE TABLE faq_feedback (
    user_id     INTEGER NOT NULL,
    entry_id    TEXT    NOT NULL,
    guild_id    INTEGER,
    vote        INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    question    TEXT,                       -- what the member asked, kept for the 👎 queue
    updated_at  REAL    NOT NULL,
    PRIMARY KEY (user_id, entry_id)
);
CREATE INDEX faq_feedback_guild ON faq_feedback (guild_id, updated_at);

CREATE TABLE path_role_grants (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    role_id     INTEGER NOT NULL,
    granted_at  REAL    NOT NULL,
    PRIMARY KEY (guild_id, user_id, role_id)
);

CREATE TABLE command_sync (
    application_id INTEGER NOT NULL,
    scope       TEXT    NOT NULL,           -- 'global' or 'guild:<id>'
    tree_hash   TEXT    NOT NULL,
    synced_at   REAL    NOT NULL,
    PRIMARY KEY (application_id, scope)
);
