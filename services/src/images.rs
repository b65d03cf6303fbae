//! Uploaded pictures: the type is sniffed from the bytes (JPEG, PNG, WebP
//! only), decoding is bounded, and what we keep is always our own re-encoding
//! (a display size and a thumbnail, JPEG), never the uploaded file.

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Limits, RgbImage};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use uuid::Uuid;

pub use wire::picture::{file_name, parse_file_name, Variant};

/// Longest side of the display size.
pub const DISPLAY_MAX: u32 = 1200;
pub const THUMB_WIDTH: u32 = 480;
pub const THUMB_HEIGHT: u32 = 360;
/// Larger pictures are refused before decoding.
pub const MAX_SIDE: u32 = 8_000;
/// At most this many pixels (40 megapixels: a phone camera's largest).
pub const MAX_PIXELS: u64 = 40_000_000;
/// The most one decoder may allocate: 40 megapixels of 16-bit RGBA would
/// not fit, 8-bit RGBA (160 MB) does.
pub const MAX_ALLOC: u64 = 200 * 1024 * 1024;
/// Pictures decoded at once in the whole process; the rest wait.
pub const PARALLEL: usize = 2;
/// How long an upload waits for its turn before it is answered 503.
pub const WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// One decoding turn; `None` when none came free in time.
pub async fn turn() -> Option<tokio::sync::SemaphorePermit<'static>> {
    turn_within(WAIT).await
}

async fn turn_within(wait: std::time::Duration) -> Option<tokio::sync::SemaphorePermit<'static>> {
    static TURNS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let turns = TURNS.get_or_init(|| tokio::sync::Semaphore::new(PARALLEL));
    tokio::time::timeout(wait, turns.acquire()).await.ok()?.ok()
}

/// Refuses a picture whose header promises more than [`MAX_PIXELS`] (or a
/// side over [`MAX_SIDE`]) before any pixel is decoded.
fn check_dimensions(bytes: &[u8], format: ImageFormat) -> Result<(), ImageProblem> {
    let (w, h) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| ImageProblem::WrongType)?;
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(ImageProblem::TooLarge);
    }
    Ok(())
}

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
    check_dimensions(bytes, format)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
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

    /// `png` with its header claiming `w` × `h` (and a valid checksum).
    fn claiming(mut png: Vec<u8>, w: u32, h: u32) -> Vec<u8> {
        png[16..20].copy_from_slice(&w.to_be_bytes());
        png[20..24].copy_from_slice(&h.to_be_bytes());
        let crc = png[12..29].iter().fold(!0u32, |mut c, &b| {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    (c >> 1) ^ 0xEDB8_8320
                } else {
                    c >> 1
                };
            }
            c
        });
        png[29..33].copy_from_slice(&(!crc).to_be_bytes());
        png
    }

    #[test]
    fn a_pixel_bomb_is_refused_before_decoding() {
        // 7,000 × 7,000 is within the side limit but 49 megapixels.
        let bomb = claiming(png(2, 2), 7_000, 7_000);
        assert_eq!(
            ImageReader::with_format(Cursor::new(&bomb), ImageFormat::Png)
                .into_dimensions()
                .ok(),
            Some((7_000, 7_000))
        );
        assert_eq!(process(&bomb, 5 << 20).err(), Some(ImageProblem::TooLarge));
        // 6,000 × 6,000 (36 megapixels) passes the budget and fails only
        // as a broken file.
        let big = claiming(png(2, 2), 6_000, 6_000);
        assert_eq!(process(&big, 5 << 20).err(), Some(ImageProblem::WrongType));
    }

    #[tokio::test]
    async fn only_a_few_pictures_decode_at_once() {
        let held: Vec<_> = take_turns(PARALLEL).await;
        assert_eq!(held.len(), PARALLEL);
        assert!(turn_within(std::time::Duration::from_millis(20))
            .await
            .is_none());
        drop(held);
        assert!(turn_within(std::time::Duration::from_millis(20))
            .await
            .is_some());
    }

    async fn take_turns(n: usize) -> Vec<tokio::sync::SemaphorePermit<'static>> {
        let mut out = Vec::new();
        for _ in 0..n {
            if let Some(p) = turn_within(std::time::Duration::from_secs(1)).await {
                out.push(p);
            }
        }
        out
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
