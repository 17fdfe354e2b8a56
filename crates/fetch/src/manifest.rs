//! The data manifest: every file of the data folder with its size, sha256, licence, dataset
//! and where it comes from upstream (`data/manifest.toml`, embedded at compile time).

use crate::FetchError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;
use toml::Spanned;

/// Where the embedded manifest comes from, for error messages.
pub const MANIFEST_FILE: &str = "data/manifest.toml";

/// Current manifest format version (`version = 1` at the top of the file).
pub const FORMAT_VERSION: u32 = 1;

/// How the data-folder file is made from the upstream bytes at `url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transform {
    /// The file is the upstream file, byte for byte.
    Identity,
    /// Upstream is a hunalign dictionary (`T @ S` per line), rewritten to MUSE's `S T`.
    /// With `max_sources`, only lines whose source word is among the first that many
    /// distinct source words are kept.
    HunalignSwap { max_sources: Option<usize> },
    /// Upstream is a zip archive; the file is its member `member`, unchanged.
    ZipMember { member: String },
    /// Upstream is a wiktionary_bli `sw<TAB>en` list: tab to space, pairs with an empty
    /// English side and repeated pairs dropped, lines of a source word grouped at its first line.
    WiktionaryBli,
    /// The pairs of [`Transform::WiktionaryBli`] reversed (`en sw`); English words ordered by
    /// their source-word rank in the hunalign MUSE `en-en` list at `rank_url`, unranked words
    /// after them in order of first appearance.
    WiktionaryBliReverse { rank_url: String },
    /// Cannot be rebuilt from a public download (see `note`); only a data mirror has it.
    MirrorOnly { note: String },
}

impl Transform {
    /// The name used in the manifest's `transform` key.
    pub fn name(&self) -> &'static str {
        match self {
            Transform::Identity => "identity",
            Transform::HunalignSwap { .. } => "hunalign-swap",
            Transform::ZipMember { .. } => "zip-member",
            Transform::WiktionaryBli => "wiktionary-bli",
            Transform::WiktionaryBliReverse { .. } => "wiktionary-bli-reverse",
            Transform::MirrorOnly { .. } => "mirror-only",
        }
    }
}

/// One file of the data folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path relative to the data root, `/`-separated, e.g. "muse/full/en-de.txt".
    pub path: String,
    /// Size in bytes of the data-folder file.
    pub size: u64,
    /// Lower-case hex sha256 of the data-folder file.
    pub sha256: String,
    /// Dataset name, e.g. "muse"; "docs" for the mirror's README files.
    pub dataset: String,
    /// Licence of the content (SPDX identifier where one exists).
    pub licence: String,
    /// Upstream URL, pinned to a commit. `None` only for mirror-only files without a source.
    pub url: Option<String>,
    pub transform: Transform,
}

/// A parsed, validated manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    origin: String,
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
}

/// The on-disk shape of the manifest (also used to write it).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest<E> {
    version: u32,
    file: Vec<E>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    path: String,
    size: u64,
    sha256: String,
    dataset: String,
    licence: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    transform: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_sources: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    member: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rank_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

static EMBEDDED: LazyLock<Result<Manifest, String>> = LazyLock::new(|| {
    Manifest::parse(include_str!("../../../data/manifest.toml"), MANIFEST_FILE)
        .map_err(|e| e.to_string())
});

impl Manifest {
    /// The manifest compiled into this crate.
    pub fn embedded() -> Result<&'static Manifest, FetchError> {
        EMBEDDED.as_ref().map_err(|message| FetchError::Manifest {
            origin: MANIFEST_FILE.to_owned(),
            line: 0,
            message: format!("embedded manifest is invalid: {message}"),
        })
    }

    /// Parse and validate manifest text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Manifest, FetchError> {
        let err = |line: usize, message: String| FetchError::Manifest {
            origin: origin.to_owned(),
            line,
            message,
        };
        let raw: RawManifest<Spanned<RawEntry>> = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| line_of(text, s.start));
            err(line, e.message().to_owned())
        })?;
        if raw.version != FORMAT_VERSION {
            return Err(err(
                1,
                format!("`version` = {}, expected {FORMAT_VERSION}", raw.version),
            ));
        }
        let mut entries = Vec::with_capacity(raw.file.len());
        let mut index = HashMap::with_capacity(raw.file.len());
        for spanned in raw.file {
            let line = line_of(text, spanned.span().start);
            let entry = validate(spanned.into_inner()).map_err(|m| err(line, m))?;
            if let Some(&prev) = index.get(&entry.path) {
                let prev: &Entry = &entries[prev];
                return Err(err(line, format!("`path` {:?} listed twice", prev.path)));
            }
            index.insert(entry.path.clone(), entries.len());
            entries.push(entry);
        }
        Ok(Manifest {
            origin: origin.to_owned(),
            entries,
            index,
        })
    }

    /// Build a manifest from entries (e.g. when regenerating it); validates like `parse`.
    pub fn from_entries(entries: Vec<Entry>, origin: &str) -> Result<Manifest, FetchError> {
        let text = Manifest {
            origin: origin.to_owned(),
            entries,
            index: HashMap::new(),
        }
        .to_toml();
        Manifest::parse(&text, origin)
    }

    /// Where this manifest came from (a file name), as used in errors.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// All entries, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry for a path relative to the data root.
    pub fn get(&self, path: &str) -> Result<&Entry, FetchError> {
        match self.index.get(path) {
            Some(&i) => Ok(&self.entries[i]),
            None => Err(FetchError::UnknownFile {
                path: path.to_owned(),
                origin: self.origin.clone(),
                nearest: self.nearest_paths(path),
            }),
        }
    }

    /// Entries of one dataset, in file order.
    pub fn dataset(&self, name: &str) -> Result<Vec<&Entry>, FetchError> {
        let list: Vec<&Entry> = self.entries.iter().filter(|e| e.dataset == name).collect();
        if list.is_empty() {
            return Err(FetchError::UnknownDataset {
                name: name.to_owned(),
                known: self.datasets().into_iter().map(str::to_owned).collect(),
            });
        }
        Ok(list)
    }

    /// Dataset names, sorted.
    pub fn datasets(&self) -> Vec<&str> {
        let set: BTreeSet<&str> = self.entries.iter().map(|e| e.dataset.as_str()).collect();
        set.into_iter().collect()
    }

    /// Total size in bytes of all files.
    pub fn total_size(&self) -> u64 {
        self.entries.iter().map(|e| e.size).sum()
    }

    /// The manifest as TOML text, in the format `parse` reads.
    pub fn to_toml(&self) -> String {
        let raw = RawManifest {
            version: FORMAT_VERSION,
            file: self.entries.iter().map(to_raw).collect::<Vec<_>>(),
        };
        // Serialising plain strings and integers cannot fail.
        toml::to_string(&raw).unwrap_or_else(|e| format!("# serialisation failed: {e}\n"))
    }

    /// Known paths sharing the longest prefix with `path`, for "did you mean".
    fn nearest_paths(&self, path: &str) -> Vec<String> {
        let common = |e: &Entry| {
            e.path
                .chars()
                .zip(path.chars())
                .take_while(|(a, b)| a == b)
                .count()
        };
        let best = self.entries.iter().map(common).max().unwrap_or(0);
        if best == 0 {
            return Vec::new();
        }
        let mut near: Vec<String> = self
            .entries
            .iter()
            .filter(|e| common(e) == best)
            .map(|e| e.path.clone())
            .collect();
        near.truncate(3);
        near
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(0, |t| t.matches('\n').count() + 1)
}

fn to_raw(e: &Entry) -> RawEntry {
    let mut raw = RawEntry {
        path: e.path.clone(),
        size: e.size,
        sha256: e.sha256.clone(),
        dataset: e.dataset.clone(),
        licence: e.licence.clone(),
        url: e.url.clone(),
        transform: None,
        max_sources: None,
        member: None,
        rank_url: None,
        note: None,
    };
    if e.transform != Transform::Identity {
        raw.transform = Some(e.transform.name().to_owned());
    }
    match &e.transform {
        Transform::HunalignSwap { max_sources } => raw.max_sources = *max_sources,
        Transform::ZipMember { member } => raw.member = Some(member.clone()),
        Transform::WiktionaryBliReverse { rank_url } => raw.rank_url = Some(rank_url.clone()),
        Transform::MirrorOnly { note } => raw.note = Some(note.clone()),
        Transform::Identity | Transform::WiktionaryBli => {}
    }
    raw
}

fn validate(raw: RawEntry) -> Result<Entry, String> {
    check_rel_path(&raw.path)?;
    let p = &raw.path;
    if !(raw.sha256.len() == 64
        && raw
            .sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
    {
        return Err(format!(
            "{p}: `sha256` must be 64 lower-case hex digits, got {:?}",
            raw.sha256
        ));
    }
    if raw.dataset.is_empty()
        || !raw
            .dataset
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!(
            "{p}: `dataset` must be [a-z0-9-]+, got {:?}",
            raw.dataset
        ));
    }
    if raw.licence.trim().is_empty() {
        return Err(format!("{p}: `licence` is empty"));
    }
    for (key, url) in [("url", &raw.url), ("rank_url", &raw.rank_url)] {
        if let Some(u) = url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            return Err(format!("{p}: `{key}` must be an http(s) URL, got {u:?}"));
        }
    }
    let kind = raw.transform.as_deref().unwrap_or("identity");
    // Which optional keys each transform takes; any other one present is an error.
    let allowed: &[&str] = match kind {
        "hunalign-swap" => &["max_sources"],
        "zip-member" => &["member"],
        "wiktionary-bli-reverse" => &["rank_url"],
        "mirror-only" => &["note"],
        _ => &[],
    };
    for (key, present) in [
        ("max_sources", raw.max_sources.is_some()),
        ("member", raw.member.is_some()),
        ("rank_url", raw.rank_url.is_some()),
        ("note", raw.note.is_some()),
    ] {
        if present && !allowed.contains(&key) {
            return Err(format!("{p}: `{key}` is not used by transform {kind:?}"));
        }
    }
    let missing = |key: &str| format!("{p}: transform {kind:?} needs `{key}`");
    let transform = match kind {
        "identity" => Transform::Identity,
        "hunalign-swap" => Transform::HunalignSwap {
            max_sources: raw.max_sources,
        },
        "zip-member" => Transform::ZipMember {
            member: raw.member.ok_or_else(|| missing("member"))?,
        },
        "wiktionary-bli" => Transform::WiktionaryBli,
        "wiktionary-bli-reverse" => Transform::WiktionaryBliReverse {
            rank_url: raw.rank_url.ok_or_else(|| missing("rank_url"))?,
        },
        "mirror-only" => Transform::MirrorOnly {
            note: raw.note.ok_or_else(|| missing("note"))?,
        },
        other => {
            return Err(format!(
                "{p}: unknown `transform` {other:?}; expected identity, hunalign-swap, \
                 zip-member, wiktionary-bli, wiktionary-bli-reverse or mirror-only"
            ));
        }
    };
    if raw.url.is_none() && !matches!(transform, Transform::MirrorOnly { .. }) {
        return Err(missing("url"));
    }
    if transform
        == (Transform::HunalignSwap {
            max_sources: Some(0),
        })
    {
        return Err(format!("{p}: `max_sources` must be at least 1"));
    }
    Ok(Entry {
        path: raw.path,
        size: raw.size,
        sha256: raw.sha256,
        dataset: raw.dataset,
        licence: raw.licence,
        url: raw.url,
        transform,
    })
}

/// A data-root-relative path that cannot escape the root or hit our bookkeeping folder.
fn check_rel_path(p: &str) -> Result<(), String> {
    let ok = !p.is_empty()
        && !p.contains('\\')
        && !p.starts_with(".bridgex")
        && p.split('/').all(|c| !c.is_empty() && c != "." && c != "..");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`path` {p:?} must be relative, `/`-separated, without empty, `.` or `..` parts, \
             and outside `.bridgex/`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0000000000000000000000000000000000000000000000000000000000000000";

    fn one(extra: &str) -> String {
        format!(
            "version = 1\n\n[[file]]\npath = \"a/b.txt\"\nsize = 3\nsha256 = \"{SHA}\"\n\
             dataset = \"a\"\nlicence = \"CC0-1.0\"\n{extra}"
        )
    }

    #[test]
    fn parses_and_round_trips() {
        let text =
            one("url = \"https://x/y.dict\"\ntransform = \"hunalign-swap\"\nmax_sources = 7\n");
        let m = Manifest::parse(&text, "t.toml").unwrap();
        let e = m.get("a/b.txt").unwrap();
        assert_eq!(
            e.transform,
            Transform::HunalignSwap {
                max_sources: Some(7)
            }
        );
        let again = Manifest::parse(&m.to_toml(), "t2.toml").unwrap();
        assert_eq!(again.entries(), m.entries());
        assert_eq!(m.datasets(), vec!["a"]);
    }

    #[test]
    fn errors_name_origin_line_and_key() {
        let e = Manifest::parse(
            &one("url = \"https://x\"\ntransform = \"gzip\"\n"),
            "t.toml",
        );
        let e = e.unwrap_err().to_string();
        assert!(
            e.starts_with("t.toml:3:") && e.contains("unknown `transform` \"gzip\""),
            "{e}"
        );

        let e = Manifest::parse(&one("url = \"https://x\"\nmember = \"m\"\n"), "t.toml");
        assert!(e.unwrap_err().to_string().contains("`member` is not used"));

        let e = Manifest::parse(
            &one("transform = \"zip-member\"\nurl = \"https://x\"\n"),
            "t",
        );
        assert!(e.unwrap_err().to_string().contains("needs `member`"));

        let e = Manifest::parse(&one(""), "t").unwrap_err().to_string();
        assert!(e.contains("needs `url`"), "{e}");

        let e = Manifest::parse(&one("url = \"ftp://x\"\n"), "t")
            .unwrap_err()
            .to_string();
        assert!(e.contains("http(s) URL"), "{e}");

        let bad_path = one("url = \"https://x\"\n").replace("a/b.txt", "a/../b.txt");
        assert!(
            Manifest::parse(&bad_path, "t")
                .unwrap_err()
                .to_string()
                .contains("`path`")
        );

        let bad_sha = one("url = \"https://x\"\n").replace(SHA, "ABC");
        assert!(
            Manifest::parse(&bad_sha, "t")
                .unwrap_err()
                .to_string()
                .contains("`sha256`")
        );

        let twice = one("url = \"https://x\"\n");
        let twice = format!("{twice}\n{}", &twice["version = 1\n".len()..]);
        let e = Manifest::parse(&twice, "t").unwrap_err().to_string();
        assert!(e.starts_with("t:12:") && e.contains("listed twice"), "{e}");

        let e = Manifest::parse("version = 2\nfile = []\n", "t")
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected 1"), "{e}");

        let e = Manifest::parse("version = 1\n[[file]]\npath = 3\n", "t").unwrap_err();
        assert!(e.to_string().starts_with("t:3:"), "{e}");
    }

    #[test]
    fn unknown_path_and_dataset_suggest() {
        let m = Manifest::parse(&one("url = \"https://x\"\n"), "t").unwrap();
        let e = m.get("a/c.txt").unwrap_err().to_string();
        assert!(e.contains("did you mean a/b.txt"), "{e}");
        let e = m.dataset("b").unwrap_err().to_string();
        assert!(e.contains("known datasets: a"), "{e}");
    }
}
