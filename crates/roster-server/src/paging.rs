//! Where a list goes on: the opaque token that carries a page's cursor (Graph's `$skiptoken`,
//! the admin center's `after`), and the largest page anyone is given.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use roster_core::types::ObjectId;
use roster_store::Cursor;

use crate::error::{ApiError, ApiResult};

pub const MAX_TOP: usize = 999;

pub fn encode_skiptoken(cursor: &Cursor) -> String {
    let json = serde_json::json!({ "k": cursor.key, "i": cursor.id });
    URL_SAFE_NO_PAD.encode(json.to_string())
}

pub fn decode_skiptoken(token: &str) -> ApiResult<Cursor> {
    let invalid = || {
        ApiError::bad_request(
            "The $skiptoken is invalid: use the @odata.nextLink of the previous page as it is.",
        )
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| invalid())?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    let id = json["i"]
        .as_str()
        .and_then(|id| ObjectId::parse(id).ok())
        .ok_or_else(invalid)?;
    // No stored value holds a NUL, and PostgreSQL refuses one in any text it is sent.
    let key = match json["k"].as_str() {
        Some(key) if key.contains('\0') => return Err(invalid()),
        key => key.map(str::to_string),
    };
    Ok(Cursor { key, id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skiptokens_round_trip() {
        let cursor = Cursor {
            key: Some("adele vance".into()),
            id: ObjectId::new(),
        };
        let token = encode_skiptoken(&cursor);
        assert!(!token.contains('&') && !token.contains('='));
        assert_eq!(decode_skiptoken(&token).unwrap(), cursor);
        assert!(decode_skiptoken("not-a-token").is_err());
        // A NUL in a forged key is refused here, not sent to the database.
        let forged = encode_skiptoken(&Cursor {
            key: Some("adele\0".into()),
            id: ObjectId::new(),
        });
        assert!(decode_skiptoken(&forged).is_err());
    }
}
