//! Appending a received bid part to its staging file, hashing every byte on the way.
//!
//! A part arrives as network chunks of a few hundred KiB. They are copied (by the receiving task,
//! a memory copy) into 4 MiB blocks aligned for direct I/O, and each full block goes through two
//! threads in turn: one feeds it to SHA-256, the next writes it to the staging file, then the block
//! goes back to the receiver for reuse. Memory is the few blocks in circulation whatever the part
//! size, and each thread wakes once per 4 MiB rather than once per chunk.
//!
//! Writes bypass the page cache (`O_DIRECT`) where the filesystem allows it: for a multi-gigabyte
//! part the page cache would only be written back and then evicted, and copying into it (and the
//! kernel's per-page bookkeeping) costs more CPU than the copy into the aligned block. Bytes that
//! cannot go direct (a head up to the first 4 KiB boundary when resuming mid-block, a tail that is
//! not a whole block, or every byte on a filesystem without `O_DIRECT`) are written through the
//! page cache, and in that case a background flush every 64 MiB keeps the final sync short. The
//! file is `fdatasync`ed before [`Append::finish`] returns, whichever way the bytes went.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use ring::digest;
use tokio::sync::mpsc;

/// Bytes per block.
const BLOCK: usize = 4 << 20;
/// Blocks in circulation: one being filled, one being hashed, one being written, one queued.
const BLOCKS: usize = 4;
/// Alignment of buffers, file offsets and lengths for direct I/O (covers 512-byte and 4 KiB
/// logical blocks).
const ALIGN: usize = 4096;
/// Page-cache bytes between two background flushes.
const WRITEBACK_STEP: u64 = 64 << 20;

/// A buffer whose usable part starts on an [`ALIGN`] boundary, holding bytes for file offset
/// `off`.
struct Block {
    mem: Vec<u8>,
    start: usize,
    len: usize,
    /// How many bytes this block takes before it is sent on (less than [`BLOCK`] only for a
    /// head that ends on an alignment boundary).
    cap: usize,
    off: u64,
}

impl Block {
    fn new() -> Block {
        let mem = vec![0u8; BLOCK + ALIGN];
        let start = mem.as_ptr().align_offset(ALIGN);
        assert!(start < ALIGN, "cannot align a block buffer");
        Block {
            mem,
            start,
            len: 0,
            cap: BLOCK,
            off: 0,
        }
    }

    /// Ready for the bytes at `off`: up to the next boundary if `off` is not aligned.
    fn reset(&mut self, off: u64) {
        let misalign = (off % ALIGN as u64) as usize;
        self.off = off;
        self.len = 0;
        self.cap = if misalign == 0 {
            BLOCK
        } else {
            ALIGN - misalign
        };
    }

    fn data(&self) -> &[u8] {
        &self.mem[self.start..self.start + self.len]
    }

    /// Copies as much of `bytes` as fits; returns how much.
    fn fill(&mut self, bytes: &[u8]) -> usize {
        let n = bytes.len().min(self.cap - self.len);
        let at = self.start + self.len;
        self.mem[at..at + n].copy_from_slice(&bytes[..n]);
        self.len += n;
        n
    }

    fn is_full(&self) -> bool {
        self.len == self.cap
    }
}

/// An append in progress. Dropping it without [`finish`](Self::finish) stops the threads after
/// the blocks already sent.
pub struct Append {
    current: Option<Block>,
    to_hash: mpsc::Sender<Block>,
    free: mpsc::Receiver<Block>,
    hashing: tokio::task::JoinHandle<digest::Context>,
    writing: tokio::task::JoinHandle<io::Result<u64>>,
    pos: u64,
}

impl Append {
    /// Appends to `path` from `offset` on (anything after `offset` is cut off first), with
    /// `hash` holding the SHA-256 state of the bytes before `offset`.
    pub async fn start(path: PathBuf, offset: u64, hash: digest::Context) -> io::Result<Append> {
        let (file, direct) = tokio::task::spawn_blocking(move || open(&path, offset))
            .await
            .map_err(io::Error::other)??;
        let (to_hash, mut hash_rx) = mpsc::channel::<Block>(1);
        let (to_write, write_rx) = std::sync::mpsc::sync_channel::<Block>(1);
        let (free_tx, free) = mpsc::channel::<Block>(BLOCKS);
        for _ in 1..BLOCKS {
            free_tx
                .try_send(Block::new())
                .expect("room for every block");
        }
        let hashing = tokio::task::spawn_blocking(move || {
            let mut hash = hash;
            while let Some(block) = hash_rx.blocking_recv() {
                hash.update(block.data());
                if to_write.send(block).is_err() {
                    break;
                }
            }
            hash
        });
        let writing =
            tokio::task::spawn_blocking(move || write_blocks(file, direct, write_rx, free_tx));
        let mut first = Block::new();
        first.reset(offset);
        Ok(Append {
            current: Some(first),
            to_hash,
            free,
            hashing,
            writing,
            pos: offset,
        })
    }

    /// Takes `bytes` (copied; waits for a free block when all are in flight). An error means the
    /// writing thread stopped: [`finish`](Self::finish) tells why.
    pub async fn push(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let block = match &mut self.current {
                Some(b) => b,
                None => {
                    let mut b = self.free.recv().await.ok_or_else(stopped)?;
                    b.reset(self.pos);
                    self.current.insert(b)
                }
            };
            let n = block.fill(bytes);
            bytes = &bytes[n..];
            self.pos += n as u64;
            if block.is_full() {
                let full = self.current.take().expect("a current block");
                self.to_hash.send(full).await.map_err(|_| stopped())?;
            }
        }
        Ok(())
    }

    /// Hashes and writes what is left, syncs the file, and returns the bytes written by this
    /// append and the hash state after them.
    pub async fn finish(mut self) -> io::Result<(u64, digest::Context)> {
        let last = self.current.take().filter(|b| b.len > 0);
        let sent = match last {
            Some(b) => self.to_hash.send(b).await.is_ok(),
            None => true,
        };
        drop(self.to_hash);
        drop(self.free);
        let written = self.writing.await.map_err(io::Error::other)??;
        let hash = self.hashing.await.map_err(io::Error::other)?;
        if !sent {
            return Err(stopped());
        }
        Ok((written, hash))
    }
}

fn stopped() -> io::Error {
    io::Error::other("the staging writer stopped")
}

/// The staging file cut to `offset`, and a second handle on it for direct I/O if the filesystem
/// takes one.
fn open(path: &std::path::Path, offset: u64) -> io::Result<(File, Option<File>)> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    // Bytes past the committed offset are from a request that never finished: drop them.
    file.set_len(offset)?;
    Ok((file, open_direct(path)))
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn open_direct(path: &std::path::Path) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(rustix::fs::OFlags::DIRECT.bits() as i32)
        .open(path)
        .ok()
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn open_direct(_path: &std::path::Path) -> Option<File> {
    None
}

/// The writing thread: each block at its offset, the aligned part direct and the rest through
/// the page cache; blocks go back to `free` once written. Ends with `fdatasync`.
fn write_blocks(
    file: File,
    mut direct: Option<File>,
    blocks: std::sync::mpsc::Receiver<Block>,
    free: mpsc::Sender<Block>,
) -> io::Result<u64> {
    let flusher = Flusher::start(&file)?;
    let mut written = 0u64;
    let mut cached = 0u64;
    let mut flushed = 0u64;
    let result = (|| {
        while let Ok(block) = blocks.recv() {
            let data = block.data();
            let mut done = 0;
            if let Some(d) = &direct {
                let aligned = data.len() / ALIGN * ALIGN;
                if block.off % ALIGN as u64 == 0 && aligned > 0 {
                    match d.write_all_at(&data[..aligned], block.off) {
                        Ok(()) => done = aligned,
                        // The filesystem refuses this alignment after all: page cache from here.
                        Err(e) if e.kind() == io::ErrorKind::InvalidInput => direct = None,
                        Err(e) => return Err(e),
                    }
                }
            }
            file.write_all_at(&data[done..], block.off + done as u64)?;
            written += data.len() as u64;
            cached += (data.len() - done) as u64;
            if cached - flushed >= WRITEBACK_STEP {
                flusher.nudge();
                flushed = cached;
            }
            // The receiver may be gone (request over); the block is then dropped.
            let _ = free.blocking_send(block);
        }
        Ok(())
    })();
    flusher.stop();
    result?;
    file.sync_data()?;
    Ok(written)
}

/// A thread that fdatasyncs the staged file whenever asked, so the disk writes what went through
/// the page cache while more arrives, and the final sync has little left to do.
struct Flusher {
    ask: std::sync::mpsc::SyncSender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Flusher {
    fn start(f: &File) -> io::Result<Flusher> {
        let f = f.try_clone()?;
        let (ask, asked) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::spawn(move || {
            while asked.recv().is_ok() {
                let _ = f.sync_data();
            }
        });
        Ok(Flusher { ask, thread })
    }

    /// Ask for a flush; if one is already pending, this one is folded into it.
    fn nudge(&self) {
        let _ = self.ask.try_send(());
    }

    fn stop(self) {
        drop(self.ask);
        let _ = self.thread.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    fn sha(bytes: &[u8]) -> Vec<u8> {
        digest::digest(&digest::SHA256, bytes).as_ref().to_vec()
    }

    /// Appends `data[from..]` in chunks of `chunk` bytes on top of a file holding `data[..from]`
    /// followed by junk, and checks the file and the hash.
    async fn append_and_check(dir: &std::path::Path, data: &[u8], from: usize, chunk: usize) {
        let path = dir.join(format!("part-{from}-{chunk}"));
        let mut stale = data[..from].to_vec();
        stale.extend_from_slice(b"bytes of a request that never finished");
        std::fs::write(&path, &stale).unwrap();
        let mut hash = digest::Context::new(&digest::SHA256);
        hash.update(&data[..from]);
        let mut a = Append::start(path.clone(), from as u64, hash)
            .await
            .unwrap();
        for c in data[from..].chunks(chunk) {
            a.push(c).await.unwrap();
        }
        let (written, hash) = a.finish().await.unwrap();
        assert_eq!(written, (data.len() - from) as u64);
        assert_eq!(hash.finish().as_ref(), sha(data).as_slice());
        assert!(
            std::fs::read(&path).unwrap() == data,
            "file differs (from {from}, chunk {chunk})"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn appends_from_any_offset_in_any_chunking() {
        let dir = tempfile::tempdir().unwrap();
        // More than all blocks in circulation, and not a whole number of blocks.
        let data = noise(BLOCKS * BLOCK + 3 * BLOCK / 2 + 12_345, 7);
        for (from, chunk) in [
            (0, 256 * 1024),
            (0, 7),
            (4096, 300_000),
            (5000, 65_536),
            (BLOCK + 17, BLOCK + 1),
            (data.len(), 1000),
        ] {
            if chunk == 7 {
                // Tiny chunks over a smaller part: the block logic, not the speed.
                append_and_check(dir.path(), &data[..BLOCK + 100], 0, 7).await;
            } else {
                append_and_check(dir.path(), &data, from, chunk).await;
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_empty_append_cuts_and_syncs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p");
        std::fs::write(&path, b"0123456789").unwrap();
        let a = Append::start(path.clone(), 4, digest::Context::new(&digest::SHA256))
            .await
            .unwrap();
        let (written, _) = a.finish().await.unwrap();
        assert_eq!(written, 0);
        assert_eq!(std::fs::read(&path).unwrap(), b"0123");
    }
}
