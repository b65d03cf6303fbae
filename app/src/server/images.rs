//! Uploaded pictures: the type is sniffed from the bytes (JPEG, PNG, WebP
//! only), decoding is bounded, and what we keep is always our own re-encoding
//! (a display size and a thumbnail, JPEG), never the uploaded file.

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Limits, RgbImage};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use uuid::Uuid;

pub use crate::picture::{file_name, parse_file_name, Variant};

/// Longest side of the display size.
pub const DISPLAY_MAX: u32 = 1200;
pub const THUMB_WIDTH: u32 = 480;
pub const THUMB_HEIGHT: u32 = 360;
/// Larger pictures are refused before decoding.
pub const MAX_SIDE: u32 = 8_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImageProblem {
    #[error("too large")]
    TooLarge,
    #[error("not a JPEG, PNG or WebP picture")]
    WrongType,
}

pub struct Processed {
    pub display: Vec<u8>,
    pub thumb: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Checks and re-encodes an upload. CPU-heavy: call from a blocking thread.
pub fn process(bytes: &[u8], max_bytes: usize) -> Result<Processed, ImageProblem> {
    if bytes.len() > max_bytes {
        return Err(ImageProblem::TooLarge);
    }
    let format = image::guess_format(bytes).map_err(|_| ImageProblem::WrongType)?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP
    ) {
        return Err(ImageProblem::WrongType);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => ImageProblem::TooLarge,
        _ => ImageProblem::WrongType,
    })?;
    let display = if img.width() > DISPLAY_MAX || img.height() > DISPLAY_MAX {
        img.resize(DISPLAY_MAX, DISPLAY_MAX, FilterType::Triangle)
    } else {
        img.clone()
    };
    let thumb = img.resize_to_fill(THUMB_WIDTH, THUMB_HEIGHT, FilterType::Triangle);
    Ok(Processed {
        width: display.width(),
        height: display.height(),
        display: jpeg(&display, 82)?,
        thumb: jpeg(&thumb, 78)?,
    })
}

/// Flattens transparency onto white and encodes as JPEG.
fn jpeg(img: &DynamicImage, quality: u8) -> Result<Vec<u8>, ImageProblem> {
    let rgba = img.to_rgba8();
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (src, dst) in rgba.pixels().zip(rgb.pixels_mut()) {
        let [r, g, b, a] = src.0;
        let blend =
            |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        dst.0 = [blend(r), blend(g), blend(b)];
    }
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&rgb)
        .map_err(|_| ImageProblem::WrongType)?;
    Ok(out)
}

pub fn images_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("images")
}

/// Writes both variants; on failure nothing is left behind.
pub async fn store(data_dir: &Path, id: Uuid, p: &Processed) -> std::io::Result<()> {
    let dir = images_dir(data_dir);
    tokio::fs::create_dir_all(&dir).await?;
    let display = dir.join(file_name(id, Variant::Display));
    let thumb = dir.join(file_name(id, Variant::Thumb));
    let written = async {
        tokio::fs::write(&display, &p.display).await?;
        tokio::fs::write(&thumb, &p.thumb).await
    }
    .await;
    if written.is_err() {
        remove(data_dir, id).await;
    }
    written
}

/// Removes both variants (missing files are fine).
pub async fn remove(data_dir: &Path, id: Uuid) {
    let dir = images_dir(data_dir);
    for v in [Variant::Display, Variant::Thumb] {
        let _ = tokio::fs::remove_file(dir.join(file_name(id, v))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(w, h, |x, y| image::Rgba([x as u8, y as u8, 90, 200]));
        let mut out = Vec::new();
        let _ =
            DynamicImage::ImageRgba8(img).write_to(&mut Cursor::new(&mut out), ImageFormat::Png);
        out
    }

    #[test]
    fn a_png_becomes_a_display_jpeg_and_a_thumbnail() {
        let Ok(p) = process(&png(1600, 900), 5 << 20) else {
            panic!("png refused");
        };
        assert_eq!((p.width, p.height), (1200, 675));
        assert_eq!(
            image::guess_format(&p.display).ok(),
            Some(ImageFormat::Jpeg)
        );
        let thumb = image::load_from_memory(&p.thumb).map(|i| (i.width(), i.height()));
        assert_eq!(thumb.ok(), Some((THUMB_WIDTH, THUMB_HEIGHT)));
    }

    #[test]
    fn other_types_and_oversized_uploads_are_refused() {
        let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\n".to_vec();
        assert_eq!(process(&pdf, 5 << 20).err(), Some(ImageProblem::WrongType));
        assert_eq!(
            process(&png(10, 10), 10).err(),
            Some(ImageProblem::TooLarge)
        );
        // A truncated PNG: right magic bytes, unreadable content.
        let broken = png(50, 50)[..40].to_vec();
        assert_eq!(
            process(&broken, 5 << 20).err(),
            Some(ImageProblem::WrongType)
        );
    }

    #[test]
    fn only_our_own_file_names_parse() {
        let id = Uuid::now_v7();
        assert_eq!(
            parse_file_name(&file_name(id, Variant::Thumb)),
            Some((id, Variant::Thumb))
        );
        assert_eq!(parse_file_name("../etc/passwd"), None);
        assert_eq!(parse_file_name(&format!("{id}-display.png")), None);
    }
}
