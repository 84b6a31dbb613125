//! The admin token as both ends see it: the file it is kept in and the
//! metadata key it travels under. Apart from the admin service so that the
//! client reads it without depending on the server side.

use std::path::Path;

use crate::error::Error;

/// The metadata key that carries the token, as "Bearer <token>".
pub const AUTHORIZATION: &str = "authorization";

/// Reads a token file: its content without the surrounding whitespace (the
/// newline `echo` leaves is not part of the token). Refuses an empty token
/// and characters that cannot travel in a header, naming the file.
pub fn read_token_file(path: &Path) -> Result<String, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    let token = text.trim();
    let invalid = |message: &str| Error::invalid_argument(path.display().to_string(), message);
    if token.is_empty() {
        return Err(invalid("the token file is empty"));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid(
            "a token may hold only visible ASCII characters (no spaces), so that it fits in a header",
        ));
    }
    Ok(token.to_string())
}
