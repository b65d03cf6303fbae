//! `cargo xtask site [--profile release|demo]`: builds the site without
//! cargo-leptos, whose own build takes longer on a fresh machine than
//! Mutua's (decision 77).
//!
//! It does what Mutua uses of `cargo leptos build`, with the same cargo
//! commands and environment, so cargo's caches serve both: the server binary
//! and the browser crate (built side by side), `wasm-bindgen` through its
//! library, `wasm-opt` when it is installed, the style sheet and the public
//! assets copied, content hashes in the bundle's file names and `hash.txt`
//! beside the binary, where Leptos reads them. It leaves out what a demo does
//! without: minifying the JavaScript glue and the style sheet.

use std::{
    collections::BTreeMap,
    env, fs,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
};

use anyhow::{bail, Context, Result};
use base64ct::{Base64UrlUnpadded, Encoding};
use md5::{Digest, Md5};

/// `[[workspace.metadata.leptos]]` in the workspace's Cargo.toml: the values
/// cargo-leptos reads there (a test checks that they still agree).
const OUTPUT_NAME: &str = "mutua";
const BIN_PACKAGE: &str = "mutua";
const LIB_PACKAGE: &str = "frontend";
const SITE_PKG_DIR: &str = "pkg";
const STYLE_FILE: &str = "style/main.css";
const ASSETS_DIR: &str = "public";
const SITE_ADDR: &str = "127.0.0.1:3000";
const RELOAD_PORT: &str = "3001";
const HASH_FILE: &str = "hash.txt";

/// A build profile for the server and its counterpart for the browser crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Profile {
    server: &'static str,
    wasm: &'static str,
    /// Where the site goes, from the workspace root (the server reads it from
    /// `LEPTOS_SITE_ROOT`, `target/site` by default).
    site_root: &'static str,
}

const RELEASE: Profile = Profile {
    server: "release",
    wasm: "wasm-release",
    site_root: "target/site",
};
const DEMO: Profile = Profile {
    server: "demo",
    wasm: "wasm-demo",
    site_root: "target/site-demo",
};

impl Profile {
    fn parse(name: &str) -> Result<Self> {
        match name {
            "release" => Ok(RELEASE),
            "demo" => Ok(DEMO),
            other => bail!("unknown profile {other:?}: release or demo"),
        }
    }

    fn cargo_arg(name: &str) -> String {
        if name == "release" {
            "--release".into()
        } else {
            format!("--profile={name}")
        }
    }
}

fn main() -> ExitCode {
    match run(env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<()> {
    let mut args = args.iter().map(String::as_str);
    match args.next() {
        Some("site") => {}
        _ => bail!("usage: cargo xtask site [--profile release|demo]"),
    }
    let mut profile = RELEASE;
    while let Some(arg) = args.next() {
        match arg {
            "--profile" => {
                profile = Profile::parse(args.next().context("--profile needs a name")?)?
            }
            other => match other.strip_prefix("--profile=") {
                Some(name) => profile = Profile::parse(name)?,
                None => bail!("unknown argument {other:?}"),
            },
        }
    }
    let root = workspace_root()?;
    let target = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    build(&root, &target, profile)
}

fn workspace_root() -> Result<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .context("xtask has no parent folder")
}

/// The environment cargo-leptos gives both compilations in a release build
/// (with `--no-default-features`, as it passes them).
/// Some crates read it at compile time (`LEPTOS_OUTPUT_NAME`), so a value
/// that differs would make cargo rebuild them.
fn leptos_env() -> [(&'static str, &'static str); 10] {
    [
        ("LEPTOS_OUTPUT_NAME", OUTPUT_NAME),
        ("LEPTOS_SITE_ROOT", RELEASE.site_root),
        ("LEPTOS_SITE_PKG_DIR", SITE_PKG_DIR),
        ("LEPTOS_SITE_ADDR", SITE_ADDR),
        ("LEPTOS_RELOAD_PORT", RELOAD_PORT),
        ("LEPTOS_LIB_DIR", LIB_PACKAGE),
        ("LEPTOS_BIN_DIR", "server"),
        ("LEPTOS_JS_MINIFY", "true"),
        ("LEPTOS_HASH_FILES", "true"),
        ("LEPTOS_HASH_FILE_NAME", HASH_FILE),
    ]
}

/// `cargo` as cargo-leptos runs it: from `PATH`, without the variables
/// `cargo run` gave this program. Build scripts ask cargo to rerun them
/// when some of those change (`CARGO_PKG_NAME`, `CARGO_MANIFEST_DIR`), so
/// keeping them would make every switch with cargo-leptos rebuild.
fn cargo(root: &Path) -> Command {
    let mut cmd = Command::new("cargo");
    for (name, _) in env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST_")
            || [
                "CARGO",
                "CARGO_CRATE_NAME",
                "CARGO_BIN_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "OUT_DIR",
            ]
            .contains(&name.as_ref())
        {
            cmd.env_remove(name.as_ref());
        }
    }
    cmd.current_dir(root).envs(leptos_env());
    cmd
}

fn build(root: &Path, target: &Path, profile: Profile) -> Result<()> {
    let front_target = target.join("front");
    // The two compilations run side by side, as cargo-leptos runs them: the
    // browser crate has its own target folder, so neither waits for the
    // other's lock, and each fills the cores the other leaves idle.
    let mut server = cargo(root)
        .args([
            "build",
            &format!("--package={BIN_PACKAGE}"),
            &format!("--bin={BIN_PACKAGE}"),
            "--no-default-features",
        ])
        .arg(Profile::cargo_arg(profile.server))
        .spawn()
        .context("starting cargo for the server")?;
    let front = cargo(root)
        .args([
            "build",
            &format!("--package={LIB_PACKAGE}"),
            "--lib",
            "--target=wasm32-unknown-unknown",
            "--no-default-features",
        ])
        .arg(format!("--target-dir={}", front_target.display()))
        .arg(Profile::cargo_arg(profile.wasm))
        .status()
        .context("starting cargo for the browser crate")?;
    let server = server.wait().context("waiting for the server's cargo")?;
    if !front.success() {
        bail!("the browser crate did not build");
    }
    if !server.success() {
        bail!("the server did not build");
    }

    let site = root.join(profile.site_root);
    let pkg = site.join(SITE_PKG_DIR);
    if pkg.exists() {
        fs::remove_dir_all(&pkg).with_context(|| format!("emptying {}", pkg.display()))?;
    }
    fs::create_dir_all(&pkg)?;

    let wasm_in = front_target
        .join("wasm32-unknown-unknown")
        .join(profile.wasm)
        .join(format!("{LIB_PACKAGE}.wasm"));
    println!("==> wasm-bindgen {}", wasm_in.display());
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm_in)
        .out_name(OUTPUT_NAME)
        .web(true)?
        .generate(&pkg)
        .context("wasm-bindgen")?;
    // Leptos asks for `<name>.wasm`, as cargo-leptos names it.
    let wasm = pkg.join(format!("{OUTPUT_NAME}.wasm"));
    fs::rename(pkg.join(format!("{OUTPUT_NAME}_bg.wasm")), &wasm)?;
    optimize(&wasm, profile)?;

    fs::copy(
        root.join(STYLE_FILE),
        pkg.join(format!("{OUTPUT_NAME}.css")),
    )
    .context("copying the style sheet")?;
    copy_tree(&root.join(ASSETS_DIR), &site)?;

    let hashes = hash_names(&pkg)?;
    let hash_file = target.join(profile.server).join(HASH_FILE);
    fs::write(&hash_file, hash_file_text(&hashes)?)?;
    println!(
        "==> site in {}, hashes in {}",
        site.display(),
        hash_file.display()
    );
    Ok(())
}

/// `wasm-opt -Oz` with cargo-leptos's flags. A release needs it; the demo
/// goes on without it, only larger.
fn optimize(wasm: &Path, profile: Profile) -> Result<()> {
    println!("==> wasm-opt -Oz");
    let status = Command::new("wasm-opt")
        .args([
            "-Oz",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
        ])
        .arg(wasm)
        .arg("-o")
        .arg(wasm)
        .status();
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => bail!("wasm-opt failed ({s})"),
        Err(e) if profile != RELEASE => {
            eprintln!("wasm-opt not run ({e}): the bundle stays larger");
            Ok(())
        }
        Err(e) => Err(e).context("wasm-opt (installed by .ci/setup)"),
    }
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &dest)?;
        } else {
            fs::copy(entry.path(), &dest)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Renames every file of the bundle to `<stem>.<hash>.<ext>` (MD5, base64url,
/// as cargo-leptos does), rewrites the glue script's references to them and
/// returns the hashes by extension of the three files Leptos links.
/// JavaScript snippets inlined by `wasm-bindgen` keep their names: the
/// module imports them by name.
fn hash_names(pkg: &Path) -> Result<BTreeMap<&'static str, String>> {
    let mut renamed = Vec::new();
    let mut files = Vec::new();
    list_files(pkg, &mut files)?;
    files.sort();
    let mut main = BTreeMap::new();
    for path in files {
        let rel = path.strip_prefix(pkg)?.to_string_lossy().replace('\\', "/");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if rel.contains("snippets") && name.contains("inline") && name.ends_with(".js") {
            continue;
        }
        let hash = content_hash(&fs::read(&path)?);
        let (stem, ext) = name
            .rsplit_once('.')
            .context("a bundle file without an extension")?;
        let new_name = format!("{stem}.{hash}.{ext}");
        let new_path = path.with_file_name(&new_name);
        fs::rename(&path, &new_path)?;
        let new_rel = new_path
            .strip_prefix(pkg)?
            .to_string_lossy()
            .replace('\\', "/");
        for ext in ["js", "wasm", "css"] {
            if rel == format!("{OUTPUT_NAME}.{ext}") {
                main.insert(ext, hash.clone());
            }
        }
        renamed.push((rel, new_rel));
    }
    let glue = pkg.join(format!(
        "{OUTPUT_NAME}.{}.js",
        main.get("js").context("no glue script")?
    ));
    let mut text = fs::read_to_string(&glue)?;
    for (old, new) in &renamed {
        text = text.replace(old.as_str(), new);
    }
    fs::write(&glue, text)?;
    Ok(main)
}

fn list_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            list_files(&entry.path(), out)?;
        } else {
            out.push(entry.path());
        }
    }
    Ok(())
}

fn content_hash(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(&Md5::new().chain_update(bytes).finalize())
}

/// `hash.txt` as Leptos reads it: `js: …`, `wasm: …`, `css: …`, a line each.
fn hash_file_text(hashes: &BTreeMap<&'static str, String>) -> Result<String> {
    let mut text = String::new();
    for key in ["js", "wasm", "css"] {
        let hash = hashes
            .get(key)
            .with_context(|| format!("no {key} file in the bundle"))?;
        text.push_str(&format!("{key}: {hash}\n"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The constants above are the workspace's leptos metadata, which
    /// cargo-leptos reads: a change there must be made here too.
    #[test]
    fn constants_agree_with_the_workspace_metadata() -> Result<()> {
        let manifest = fs::read_to_string(workspace_root()?.join("Cargo.toml"))?;
        let metadata = manifest
            .split("[[workspace.metadata.leptos]]")
            .nth(1)
            .context("no leptos metadata")?;
        for line in [
            format!("name = \"{OUTPUT_NAME}\""),
            format!("bin-package = \"{BIN_PACKAGE}\""),
            format!("lib-package = \"{LIB_PACKAGE}\""),
            format!("site-root = \"{}\"", RELEASE.site_root),
            format!("site-pkg-dir = \"{SITE_PKG_DIR}\""),
            format!("style-file = \"{STYLE_FILE}\""),
            format!("assets-dir = \"{ASSETS_DIR}\""),
            format!("site-addr = \"{SITE_ADDR}\""),
            format!("reload-port = {RELOAD_PORT}"),
            format!("lib-profile-release = \"{}\"", RELEASE.wasm),
            "hash-files = true".to_string(),
        ] {
            assert!(
                metadata.lines().any(|l| l.trim() == line),
                "Cargo.toml's leptos metadata lacks `{line}`"
            );
        }
        for profile in [DEMO.server, DEMO.wasm] {
            assert!(
                manifest.contains(&format!("[profile.{profile}]")),
                "no [profile.{profile}] in Cargo.toml"
            );
        }
        Ok(())
    }

    #[test]
    fn bundle_files_get_content_hashes_and_the_glue_follows_them() -> Result<()> {
        let dir = env::temp_dir().join(format!("xtask-hash-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("snippets/frontend-1"))?;
        fs::write(
            dir.join("mutua.js"),
            "import './snippets/frontend-1/util.js'; fetch('mutua.wasm')",
        )?;
        fs::write(dir.join("mutua.wasm"), b"\0asm")?;
        fs::write(dir.join("mutua.css"), "body{}")?;
        fs::write(dir.join("snippets/frontend-1/util.js"), "export {}")?;
        fs::write(dir.join("snippets/frontend-1/inline0.js"), "export {}")?;

        let hashes = hash_names(&dir)?;
        let wasm = content_hash(b"\0asm");
        assert_eq!(hashes.get("wasm"), Some(&wasm));
        assert_eq!(hashes.get("css"), Some(&content_hash(b"body{}")));
        assert_eq!(
            wasm.len(),
            22,
            "MD5 in unpadded base64url, as Leptos expects"
        );
        let glue = fs::read_to_string(dir.join(format!("mutua.{}.js", hashes["js"])))?;
        assert!(
            glue.contains(&format!("fetch('mutua.{wasm}.wasm')")),
            "{glue}"
        );
        let util = content_hash(b"export {}");
        assert!(
            glue.contains(&format!("snippets/frontend-1/util.{util}.js")),
            "{glue}"
        );
        assert!(
            dir.join("snippets/frontend-1/inline0.js").exists(),
            "inline snippets keep their names"
        );
        assert_eq!(
            hash_file_text(&hashes)?,
            format!(
                "js: {}\nwasm: {wasm}\ncss: {}\n",
                hashes["js"], hashes["css"]
            )
        );
        fs::remove_dir_all(&dir)?;
        Ok(())
    }

    #[test]
    fn profiles_are_named_as_cargo_wants_them() -> Result<()> {
        assert_eq!(Profile::cargo_arg("release"), "--release");
        assert_eq!(Profile::cargo_arg("wasm-demo"), "--profile=wasm-demo");
        assert_eq!(Profile::parse("demo")?, DEMO);
        assert!(Profile::parse("fast").is_err());
        Ok(())
    }
}
