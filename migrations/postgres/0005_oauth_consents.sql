-- OAuth consents given through `hub auth google NAME`: the refresh token of each connector
-- instance, encrypted with the instance's `token_key` (never in clear), and the consents under
-- way (state → PKCE verifier, encrypted too), taken once by the redirect.
CREATE TABLE oauth_tokens (
    instance TEXT PRIMARY KEY,
    refresh_token TEXT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
CREATE TABLE oauth_pending (
    state TEXT PRIMARY KEY,
    instance TEXT NOT NULL,
    verifier TEXT NOT NULL,
    redirect_url TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);
