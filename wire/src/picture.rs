//! How a stored picture is named on disk and in URLs (`/images/{name}`),
//! shared by the server that writes and serves the files and the pages that
//! link to them.

use uuid::Uuid;

/// Which stored variant of a picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Display,
    Thumb,
}

pub fn file_name(id: Uuid, variant: Variant) -> String {
    match variant {
        Variant::Display => format!("{id}-display.jpg"),
        Variant::Thumb => format!("{id}-thumb.jpg"),
    }
}

/// Parses a file name we produced; anything else (paths, other names) is `None`.
pub fn parse_file_name(name: &str) -> Option<(Uuid, Variant)> {
    let stem = name.strip_suffix(".jpg")?;
    let (id, variant) = stem.rsplit_once('-')?;
    let variant = match variant {
        "display" => Variant::Display,
        "thumb" => Variant::Thumb,
        _ => return None,
    };
    Some((Uuid::parse_str(id).ok()?, variant))
}

/// The URL a page uses for a picture.
pub fn url(id: Uuid, variant: Variant) -> String {
    format!("/images/{}", file_name(id, variant))
}
