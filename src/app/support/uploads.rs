//! Node-local hash state of bid parts being uploaded (a resumed part continues hashing where it
//! stopped instead of re-reading the staged bytes). Kept in [`crate::app::AppContext`].

use ring::digest;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;

/// Hash state of parts being uploaded, so a resumed part need not be re-read from disk. Keyed
/// by (upload, part); the value is the byte count the state covers. A node that lacks the
/// state (restart, another node took the previous request) rehashes the staged prefix.
#[derive(Clone, Default)]
pub struct UploadHashes(Arc<Mutex<HashMap<StagedPart, HashState>>>);

/// (upload id, part index).
type StagedPart = (String, u32);

/// Bytes hashed so far, and the hash state after them.
type HashState = (u64, digest::Context);

impl UploadHashes {
    pub fn take(&self, upload: &str, index: u32) -> Option<(u64, digest::Context)> {
        self.0.lock().ok()?.remove(&(upload.to_string(), index))
    }

    /// Drop the hash state of every part of an upload that is over.
    pub fn forget(&self, upload: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.retain(|(u, _), _| u != upload);
        }
    }

    pub fn put(&self, upload: &str, index: u32, at: u64, ctx: digest::Context) {
        if let Ok(mut m) = self.0.lock() {
            m.insert((upload.to_string(), index), (at, ctx));
        }
    }
}
