//! Reading one alias file safely: regular files only, bounded in size.

use std::path::Path;

/// The text of one alias file, or why it cannot be read. Only a regular
/// file (or a symlink to one) is opened: opening a FIFO blocks until a
/// writer comes, and a device such as `/dev/zero` never ends. The type is
/// checked before opening and again on the open file, and at most
/// `limit` bytes are read whatever the size said.
pub(super) fn read_alias_file(path: &Path, limit: u64) -> std::result::Result<String, String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|error| format!("cannot read: {error}"))?;
    let regular = |meta: &std::fs::Metadata| -> std::result::Result<(), String> {
        if !meta.is_file() {
            return Err(format!(
                "not a regular file (it is {}); alias files must be regular files",
                file_kind(&meta.file_type())
            ));
        }
        if meta.len() > limit {
            return Err(format!(
                "{} bytes, over the limit of {limit} bytes for one alias file",
                meta.len()
            ));
        }
        Ok(())
    };
    regular(&meta)?;
    let file = std::fs::File::open(path).map_err(|error| format!("cannot read: {error}"))?;
    // Replaced between the check and the open: check what was opened.
    regular(
        &file
            .metadata()
            .map_err(|error| format!("cannot read: {error}"))?,
    )?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot read: {error}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "grew past the limit of {limit} bytes for one alias file while being read"
        ));
    }
    String::from_utf8(bytes).map_err(|error| format!("not UTF-8 text: {error}"))
}

/// What kind of file this is, for an error message.
pub(super) fn file_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else if kind.is_symlink() {
        "a symlink"
    } else if kind.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}
