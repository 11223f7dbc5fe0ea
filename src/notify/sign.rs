//! Standard Webhooks signatures (<https://www.standardwebhooks.com>) for generic webhook targets.
//!
//! Each message carries `webhook-id` (the same on every retry of one delivery), `webhook-timestamp`
//! (seconds since the epoch, when it was sent) and `webhook-signature`: `v1,` and the base64
//! HMAC-SHA256 of `{id}.{timestamp}.{body}`, keyed with the base64-decoded part of a `whsec_` secret.
use crate::error::{Error, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The prefix Standard Webhooks secrets are written with.
pub const SECRET_PREFIX: &str = "whsec_";

/// The three headers of one signed message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    pub id: String,
    pub timestamp: i64,
    pub signature: String,
}

/// A secret's key bytes; refuses anything that is not `whsec_` followed by base64 of 24 to 64 bytes.
pub fn secret_key(secret: &str) -> Result<Vec<u8>> {
    let b64 = secret.strip_prefix(SECRET_PREFIX).ok_or_else(|| {
        Error::Usage(format!(
            "a webhook signing secret starts with {SECRET_PREFIX} followed by base64"
        ))
    })?;
    let key = B64
        .decode(b64)
        .map_err(|e| Error::Usage(format!("webhook signing secret: not base64 ({e})")))?;
    if !(24..=64).contains(&key.len()) {
        return Err(Error::Usage(format!(
            "webhook signing secret: {} bytes; Standard Webhooks secrets are 24 to 64 bytes",
            key.len()
        )));
    }
    Ok(key)
}

/// A fresh secret of 32 random bytes.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", B64.encode(key))
}

/// `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")).
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &str) -> Result<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|e| Error::Other(format!("webhook signing key: {e}")))?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Ok(format!("v1,{}", B64.encode(mac.finalize().into_bytes())))
}

/// Sign one message.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<Signed> {
    let key = secret_key(secret)?;
    Ok(Signed {
        id: id.to_string(),
        timestamp,
        signature: signature(&key, id, timestamp, body)?,
    })
}

/// A message id that stays the same across retries of one delivery (so receivers can drop
/// duplicates) and differs between deliveries: derived from what makes a delivery unique.
pub fn message_id(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    format!("msg_{}", &hex::encode(h.finalize())[..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example from the Standard Webhooks reference libraries' test suites.
    #[test]
    fn reference_vector() {
        let s = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(
            s.signature,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_are_checked_and_fresh_ones_valid() {
        assert!(secret_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(secret_key("whsec_!!!").is_err());
        assert!(secret_key("whsec_AAAA").is_err(), "3 bytes is too short");
        let s = new_secret();
        assert_eq!(secret_key(&s).unwrap().len(), 32);
        assert_ne!(s, new_secret());
    }

    #[test]
    fn message_ids_are_stable_and_distinct() {
        assert_eq!(message_id(&["a", "b"]), message_id(&["a", "b"]));
        assert_ne!(message_id(&["a", "b"]), message_id(&["ab", ""]));
        assert!(message_id(&["x"]).starts_with("msg_"));
    }
}
