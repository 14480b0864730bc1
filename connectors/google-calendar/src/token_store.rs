//! The refresh token at rest: encrypted with a 32-byte key from the hub's config (XChaCha20-Poly1305,
//! a random 24-byte nonce per encryption), as text the hub stores in its database:
//! `v1:<base64 of nonce ‖ ciphertext+tag>` (standard base64 with padding). The key is given as
//! standard base64 of 32 bytes ([`TokenKey::generate`] makes one). A wrong key, a token encrypted
//! for another key or a damaged text fail with [`TokenStoreError::Decrypt`], never with garbage.
//! The crate never touches the database: the hub stores the string and hands back the plain token
//! in [`crate::GoogleCalendarSettings::refresh_token`].

use base64::{Engine, engine::general_purpose::STANDARD};
use chacha20poly1305::{
    Key, KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, Generate},
};

/// The prefix of the current format.
pub const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// Why a key or a stored token could not be used. Never carries the key or the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenStoreError {
    /// The configured key is not standard base64 of exactly 32 bytes.
    #[error("the token encryption key must be standard base64 of 32 bytes: {0}")]
    BadKey(String),
    /// The stored text is not `v1:<base64>` of a nonce and a ciphertext.
    #[error("the stored refresh token is not in the `v1:<base64>` format: {0}")]
    BadFormat(String),
    /// Authentication failed: another key (e.g. the key was rotated) or a damaged value.
    #[error(
        "the stored refresh token cannot be decrypted with the configured key (wrong key, or damaged value): \
         run `hub auth google INSTANCE` again"
    )]
    Decrypt,
    /// The system's random generator failed.
    #[error("no randomness available for the nonce: {0}")]
    Random(String),
}

/// A 32-byte encryption key. Debug never shows it.
#[derive(Clone)]
pub struct TokenKey(Key);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey([redacted])")
    }
}

impl TokenKey {
    /// Parses standard base64 of 32 bytes (surrounding spaces ignored).
    pub fn from_base64(text: &str) -> Result<TokenKey, TokenStoreError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| TokenStoreError::BadKey("not base64".into()))?;
        let key = Key::try_from(bytes.as_slice())
            .map_err(|_| TokenStoreError::BadKey(format!("{} bytes instead of 32", bytes.len())))?;
        Ok(TokenKey(key))
    }

    /// A new random key, as the base64 text to put in the config.
    pub fn generate() -> Result<String, TokenStoreError> {
        let key = Key::try_generate().map_err(|e| TokenStoreError::Random(e.to_string()))?;
        Ok(STANDARD.encode(key.as_slice()))
    }

    /// Encrypts `plaintext` with a fresh random nonce: `v1:<base64>`.
    pub fn encrypt(&self, plaintext: &str) -> Result<String, TokenStoreError> {
        let nonce = XNonce::try_generate().map_err(|e| TokenStoreError::Random(e.to_string()))?;
        let sealed = XChaCha20Poly1305::new(&self.0)
            .encrypt(&nonce, plaintext.as_bytes())
            .map_err(|_| TokenStoreError::Random("encryption failed".into()))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(nonce.as_slice());
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    /// Decrypts a value made by [`TokenKey::encrypt`].
    pub fn decrypt(&self, stored: &str) -> Result<String, TokenStoreError> {
        let body = stored
            .trim()
            .strip_prefix(PREFIX)
            .ok_or_else(|| TokenStoreError::BadFormat("it does not start with `v1:`".into()))?;
        let bytes = STANDARD.decode(body).map_err(|_| TokenStoreError::BadFormat("not base64".into()))?;
        if bytes.len() < NONCE_LEN + TAG_LEN {
            return Err(TokenStoreError::BadFormat(format!("{} bytes is too short", bytes.len())));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| TokenStoreError::BadFormat("bad nonce".into()))?;
        let plain = XChaCha20Poly1305::new(&self.0).decrypt(&nonce, sealed).map_err(|_| TokenStoreError::Decrypt)?;
        String::from_utf8(plain).map_err(|_| TokenStoreError::BadFormat("the token is not UTF-8".into()))
    }
}

/// [`TokenKey::encrypt`] with a base64 key.
pub fn encrypt(key_base64: &str, plaintext: &str) -> Result<String, TokenStoreError> {
    TokenKey::from_base64(key_base64)?.encrypt(plaintext)
}

/// [`TokenKey::decrypt`] with a base64 key.
pub fn decrypt(key_base64: &str, stored: &str) -> Result<String, TokenStoreError> {
    TokenKey::from_base64(key_base64)?.decrypt(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "1//0sandbox-refresh-token-éàç";

    #[test]
    fn round_trip_with_a_fresh_nonce_each_time() {
        let key = TokenKey::generate().unwrap();
        let a = encrypt(&key, TOKEN).unwrap();
        let b = encrypt(&key, TOKEN).unwrap();
        assert!(a.starts_with("v1:") && b.starts_with("v1:"));
        assert_ne!(a, b, "a random nonce per encryption");
        assert!(!a.contains("sandbox"), "the token does not show through");
        assert_eq!(decrypt(&key, &a).unwrap(), TOKEN);
        assert_eq!(decrypt(&key, &b).unwrap(), TOKEN);
    }

    #[test]
    fn a_wrong_key_is_a_clear_error() {
        let stored = encrypt(&TokenKey::generate().unwrap(), TOKEN).unwrap();
        let other = TokenKey::generate().unwrap();
        let err = decrypt(&other, &stored).unwrap_err();
        assert_eq!(err, TokenStoreError::Decrypt);
        assert!(err.to_string().contains("wrong key"), "{err}");
        assert!(err.to_string().contains("hub auth google"), "{err}");
    }

    #[test]
    fn a_damaged_value_or_a_bad_key_is_refused() {
        let key = TokenKey::generate().unwrap();
        let stored = encrypt(&key, TOKEN).unwrap();
        let mut bytes = STANDARD.decode(&stored[3..]).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let damaged = format!("v1:{}", STANDARD.encode(bytes));
        assert_eq!(decrypt(&key, &damaged).unwrap_err(), TokenStoreError::Decrypt);
        assert!(matches!(decrypt(&key, "v2:abc"), Err(TokenStoreError::BadFormat(_))));
        assert!(matches!(decrypt(&key, "v1:!!"), Err(TokenStoreError::BadFormat(_))));
        assert!(matches!(decrypt(&key, "v1:AAAA"), Err(TokenStoreError::BadFormat(_))));
        assert!(matches!(TokenKey::from_base64("c2hvcnQ="), Err(TokenStoreError::BadKey(m)) if m.contains("5 bytes")));
        assert!(matches!(TokenKey::from_base64("not base64!"), Err(TokenStoreError::BadKey(_))));
        let debug = format!("{:?}", TokenKey::from_base64(&key).unwrap());
        assert!(!debug.contains(&key[..8]), "{debug}");
    }
}
