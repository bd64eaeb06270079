//! RFC 6962 / RFC 9162 Merkle tree hashing, proof construction and proof
//! verification for the audit log.
//!
//! Storage model: the database keeps exactly the hashes of *perfect* subtrees
//! (see [`NodeId`]); level 0 holds the leaf hashes. Any tree head or proof for
//! an arbitrary tree size is then a right fold over O(log n) stored nodes, so
//! a caller never needs to store or recompute the ragged right edge of a tree.
//! Every operation that touches storage first plans the exact set of node ids
//! it needs ([`ReadPlan`]), asks the [`NodeReader`] for them in **one** batch,
//! and finishes in memory. That keeps the number of database round trips
//! constant regardless of tree size.
//!
//! Verification follows the RFC 9162 §2.1.3.2 and §2.1.4.2 algorithms
//! literally, because hand-rolled variants are where proof-verification bugs
//! hide.

use std::fmt;

use ring::digest;

/// A SHA-256 hash: leaf hashes, interior node hashes and tree roots.
pub type Hash = [u8; 32];

/// Root hash of the empty tree: SHA-256 of the empty string.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// Domain-separation prefix for leaves; distinct from [`NODE_PREFIX`] so that
/// an interior node can never be passed off as a leaf (second preimage).
const LEAF_PREFIX: u8 = 0x00;
const NODE_PREFIX: u8 = 0x01;

/// Longest possible inclusion proof: one hash per level of a 2^64-leaf tree.
pub const MAX_PROOF_LEN: usize = 64;

/// Leaf hash: SHA-256(0x00 || entry).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(&[LEAF_PREFIX]);
    ctx.update(entry);
    to_hash(ctx.finish())
}

/// Interior node hash: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(&[NODE_PREFIX]);
    ctx.update(left);
    ctx.update(right);
    to_hash(ctx.finish())
}

fn to_hash(d: digest::Digest) -> Hash {
    let mut out = [0u8; 32];
    // SHA-256 digests are always 32 bytes, so the lengths match.
    out.copy_from_slice(d.as_ref());
    out
}

/// Id of a perfect (complete) subtree: level `L` covers leaves
/// `[index * 2^L, (index + 1) * 2^L)`. Level 0 nodes are leaf hashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    pub const fn new(level: u8, index: u64) -> Self {
        NodeId { level, index }
    }

    /// The level-0 node holding the hash of leaf `index`.
    pub const fn leaf(index: u64) -> Self {
        NodeId { level: 0, index }
    }

    /// First leaf index covered by this subtree.
    pub fn first_leaf(&self) -> u64 {
        self.index << self.level
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.level, self.index)
    }
}

/// Batch access to stored perfect-subtree hashes.
///
/// Contract: on success, return exactly one hash per requested id, in the same
/// order as `ids`. A missing node is a storage error and must be reported via
/// `Err`, never by returning fewer hashes.
pub trait NodeReader {
    type Error;
    fn read_nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Self::Error>;
}

impl<R: NodeReader + ?Sized> NodeReader for &R {
    type Error = R::Error;
    fn read_nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Self::Error> {
        (**self).read_nodes(ids)
    }
}

/// Why a tree head or proof could not be planned or built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError<E> {
    #[error("the tree is empty")]
    EmptyTree,
    #[error("leaf index {index} is out of range for tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    OldSizeTooLarge { old_size: u64, new_size: u64 },
    #[error("node reader failed")]
    Reader(#[source] E),
    #[error("node reader returned {got} hashes for {expected} node ids")]
    ReaderContract { expected: usize, got: usize },
}

/// Why a proof failed to verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("leaf index {index} is out of range for tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    OldSizeTooLarge { old_size: u64, new_size: u64 },
    #[error("proof has more hashes than the tree sizes allow")]
    ProofTooLong,
    #[error("proof has fewer hashes than the tree sizes require")]
    ProofTooShort,
    #[error("computed root does not match the expected root")]
    RootMismatch,
    #[error("computed old root does not match the expected old root")]
    OldRootMismatch,
    #[error("computed new root does not match the expected new root")]
    NewRootMismatch,
}

// ---------------------------------------------------------------------------
// Planning: which stored nodes an operation needs.
// ---------------------------------------------------------------------------

/// Perfect subtrees that tile the leaf range `[lo, hi)`, largest (leftmost)
/// first. Callers only pass ranges that arise from the RFC 6962 split (start
/// aligned to the largest piece), which is what makes each piece a stored node.
fn perfect_pieces(lo: u64, hi: u64, out: &mut Vec<NodeId>) {
    let mut start = lo;
    let mut remaining = hi - lo;
    while remaining > 0 {
        let level = remaining.ilog2();
        let width = 1u64 << level;
        debug_assert_eq!(start % width, 0, "unaligned range [{lo}, {hi})");
        // ilog2 of a u64 is at most 63, so the level fits in a u8.
        out.push(NodeId::new(level as u8, start >> level));
        start += width;
        remaining -= width;
    }
}

/// Largest power of two strictly less than `n` (`n >= 2`): the RFC 6962 split.
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (n - 1).ilog2()
}

/// A planned batch read plus the recipe to turn the fetched hashes into the
/// requested outputs (a root, or the elements of a proof).
///
/// Exposed so that callers with an async or otherwise unusual storage layer
/// can fetch [`ReadPlan::ids`] themselves and call [`ReadPlan::compute`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadPlan {
    /// Sorted, de-duplicated ids to fetch.
    ids: Vec<NodeId>,
    /// Each output is the right fold (with [`node_hash`]) of these pieces,
    /// leftmost first; an empty list denotes the empty-tree root.
    outputs: Vec<Vec<NodeId>>,
}

impl ReadPlan {
    fn from_outputs(outputs: Vec<Vec<NodeId>>) -> Self {
        let mut ids: Vec<NodeId> = outputs.iter().flatten().copied().collect();
        ids.sort_unstable();
        ids.dedup();
        ReadPlan { ids, outputs }
    }

    /// Node ids to fetch, sorted and without duplicates.
    pub fn ids(&self) -> &[NodeId] {
        &self.ids
    }

    /// Number of output hashes [`ReadPlan::compute`] will produce.
    pub fn output_len(&self) -> usize {
        self.outputs.len()
    }

    /// Computes the outputs from `hashes`, which must be aligned with
    /// [`ReadPlan::ids`].
    pub fn compute<E>(&self, hashes: &[Hash]) -> Result<Vec<Hash>, ProofError<E>> {
        if hashes.len() != self.ids.len() {
            return Err(ProofError::ReaderContract {
                expected: self.ids.len(),
                got: hashes.len(),
            });
        }
        let lookup = |id: &NodeId| -> Hash {
            // Every piece of every output was put into `ids` by
            // `from_outputs`, and `hashes` has the same length as `ids`.
            match self.ids.binary_search(id) {
                Ok(i) => hashes[i],
                Err(_) => unreachable!("planned node {id} missing from its own plan"),
            }
        };
        Ok(self
            .outputs
            .iter()
            .map(|pieces| {
                let mut it = pieces.iter().rev();
                match it.next() {
                    None => EMPTY_ROOT,
                    Some(last) => it.fold(lookup(last), |acc, p| node_hash(&lookup(p), &acc)),
                }
            })
            .collect())
    }

    /// Fetches the planned ids with a single `read_nodes` call (none when the
    /// plan needs no nodes) and computes the outputs.
    pub fn execute<R: NodeReader>(&self, reader: &R) -> Result<Vec<Hash>, ProofError<R::Error>> {
        let hashes = if self.ids.is_empty() {
            Vec::new()
        } else {
            reader.read_nodes(&self.ids).map_err(ProofError::Reader)?
        };
        self.compute(&hashes)
    }
}

/// Plan for the root of a tree of `size` leaves: `popcount(size)` nodes.
pub fn plan_root(size: u64) -> ReadPlan {
    let mut pieces = Vec::new();
    perfect_pieces(0, size, &mut pieces);
    ReadPlan::from_outputs(vec![pieces])
}

/// Plan for the RFC 6962 audit path `PATH(index, D[size])`.
pub fn plan_inclusion<E>(index: u64, size: u64) -> Result<ReadPlan, ProofError<E>> {
    if size == 0 {
        return Err(ProofError::EmptyTree);
    }
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    // Walk down from the root; each step records the sibling subtree of the
    // half that contains `index`. The proof lists them bottom-up.
    let (mut lo, mut hi) = (0u64, size);
    let mut siblings = Vec::new();
    while hi - lo > 1 {
        let mid = lo + split_point(hi - lo);
        if index < mid {
            siblings.push((mid, hi));
            hi = mid;
        } else {
            siblings.push((lo, mid));
            lo = mid;
        }
    }
    Ok(ReadPlan::from_outputs(ranges_to_outputs(
        siblings.into_iter().rev(),
    )))
}

/// Plan for the RFC 6962 consistency proof `PROOF(old_size, D[new_size])`.
/// Empty when `old_size == 0` or `old_size == new_size` (nothing to prove).
pub fn plan_consistency<E>(old_size: u64, new_size: u64) -> Result<ReadPlan, ProofError<E>> {
    if old_size > new_size {
        return Err(ProofError::OldSizeTooLarge { old_size, new_size });
    }
    if old_size == 0 || old_size == new_size {
        return Ok(ReadPlan::from_outputs(Vec::new()));
    }
    // Iterative SUBPROOF(m, D[lo:hi], b) from RFC 6962 §2.1.2: siblings are
    // collected top-down and emitted bottom-up, after the optional base node.
    let (mut lo, mut hi) = (0u64, new_size);
    let mut complete = true; // the RFC's `b`
    let mut siblings = Vec::new();
    while old_size != hi {
        let mid = lo + split_point(hi - lo);
        if old_size <= mid {
            siblings.push((mid, hi));
            hi = mid;
        } else {
            siblings.push((lo, mid));
            lo = mid;
            complete = false;
        }
    }
    let base = if complete { None } else { Some((lo, hi)) };
    Ok(ReadPlan::from_outputs(ranges_to_outputs(
        base.into_iter().chain(siblings.into_iter().rev()),
    )))
}

fn ranges_to_outputs(ranges: impl Iterator<Item = (u64, u64)>) -> Vec<Vec<NodeId>> {
    ranges
        .map(|(lo, hi)| {
            let mut pieces = Vec::new();
            perfect_pieces(lo, hi, &mut pieces);
            pieces
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Reading: roots and proofs from stored nodes (one read_nodes call each).
// ---------------------------------------------------------------------------

/// Root of the tree of `size` leaves; one `read_nodes` call (none for size 0).
///
/// # Panics
/// If `reader` violates the [`NodeReader`] contract by returning a different
/// number of hashes than ids requested. Use [`try_root`] to get an error
/// instead.
pub fn root<R: NodeReader>(size: u64, reader: &R) -> Result<Hash, R::Error> {
    match try_root(size, reader) {
        Ok(h) => Ok(h),
        Err(ProofError::Reader(e)) => Err(e),
        Err(other) => panic!("NodeReader contract violated while computing root: {other}"),
    }
}

/// [`root`] that reports a misbehaving reader as an error instead of panicking.
pub fn try_root<R: NodeReader>(size: u64, reader: &R) -> Result<Hash, ProofError<R::Error>> {
    let out = plan_root(size).execute(reader)?;
    // plan_root always has exactly one output.
    Ok(out.first().copied().unwrap_or(EMPTY_ROOT))
}

/// Inclusion proof (audit path, leaf sibling first) for leaf `index` in the
/// tree of `size` leaves. One `read_nodes` call of at most ~2·log2(size) ids.
pub fn inclusion_proof<R: NodeReader>(
    index: u64,
    size: u64,
    reader: &R,
) -> Result<Vec<Hash>, ProofError<R::Error>> {
    plan_inclusion(index, size)?.execute(reader)
}

/// Consistency proof from `old_size` to `new_size` (RFC 6962 PROOF). At most
/// one `read_nodes` call; empty if `old_size` is 0 or equals `new_size`.
pub fn consistency_proof<R: NodeReader>(
    old_size: u64,
    new_size: u64,
    reader: &R,
) -> Result<Vec<Hash>, ProofError<R::Error>> {
    plan_consistency(old_size, new_size)?.execute(reader)
}

// ---------------------------------------------------------------------------
// Appending.
// ---------------------------------------------------------------------------

/// Existing nodes needed to append `count` leaves to a tree of `start`
/// leaves: the left siblings of every perfect subtree the batch completes,
/// lowest level first. They are the parts of `[0, start)`'s perfect-subtree
/// tiling that get merged with new leaves.
pub fn nodes_to_read_for_batch(start: u64, count: u64) -> Vec<NodeId> {
    let end = start + count;
    let mut out = Vec::new();
    for level in 0..64u32 {
        if (start >> level) & 1 == 0 {
            continue;
        }
        // Pending left node at this level; it is merged only once its parent
        // (level + 1) is complete, i.e. its right half is filled by `end`.
        let parent_end = ((start >> (level + 1)) + 1) << (level + 1);
        if parent_end <= end {
            out.push(NodeId::new(level as u8, (start >> level) - 1));
        } else {
            // Higher pending nodes need even more leaves, so none of them
            // can be completed either.
            break;
        }
    }
    out
}

/// Left siblings to read before appending leaf `index` to a tree of `index`
/// leaves, lowest level first (one per trailing 1-bit of `index`).
pub fn nodes_to_read_for_append(index: u64) -> Vec<NodeId> {
    nodes_to_read_for_batch(index, 1)
}

/// Every perfect subtree completed by appending `leaf` at `index`, given the
/// hashes of [`nodes_to_read_for_append`]`(index)` in the same order. The
/// first element is the leaf itself at level 0; levels then increase.
///
/// # Panics
/// If `left_siblings.len()` differs from
/// `nodes_to_read_for_append(index).len()`; that is a caller bug that would
/// otherwise silently corrupt the stored tree.
pub fn new_nodes_after_append(
    index: u64,
    leaf: Hash,
    left_siblings: &[Hash],
) -> Vec<(NodeId, Hash)> {
    let expected = index.trailing_ones() as usize;
    assert_eq!(
        left_siblings.len(),
        expected,
        "new_nodes_after_append({index}): expected {expected} left siblings"
    );
    extend_in_memory(index, &[leaf], left_siblings)
}

/// Appends `leaves` to a tree of `start` leaves: reads the needed left
/// siblings in one batch (none if no existing node is merged) and returns
/// every new perfect-subtree node, ordered by leaf and then by level.
///
/// # Panics
/// If `reader` returns a different number of hashes than requested; see
/// [`try_append_batch`] for the non-panicking variant.
pub fn append_batch<R: NodeReader>(
    start: u64,
    leaves: &[Hash],
    reader: &R,
) -> Result<Vec<(NodeId, Hash)>, R::Error> {
    match try_append_batch(start, leaves, reader) {
        Ok(v) => Ok(v),
        Err(ProofError::Reader(e)) => Err(e),
        Err(other) => panic!("NodeReader contract violated while appending: {other}"),
    }
}

/// [`append_batch`] that reports a misbehaving reader as an error.
pub fn try_append_batch<R: NodeReader>(
    start: u64,
    leaves: &[Hash],
    reader: &R,
) -> Result<Vec<(NodeId, Hash)>, ProofError<R::Error>> {
    let ids = nodes_to_read_for_batch(start, leaves.len() as u64);
    let siblings = if ids.is_empty() {
        Vec::new()
    } else {
        reader.read_nodes(&ids).map_err(ProofError::Reader)?
    };
    if siblings.len() != ids.len() {
        return Err(ProofError::ReaderContract {
            expected: ids.len(),
            got: siblings.len(),
        });
    }
    Ok(extend_in_memory(start, leaves, &siblings))
}

/// Core of appending: `siblings` are the hashes of
/// `nodes_to_read_for_batch(start, leaves.len())`, lowest level first.
fn extend_in_memory(start: u64, leaves: &[Hash], siblings: &[Hash]) -> Vec<(NodeId, Hash)> {
    // Stack of pending left nodes (the compact range of the growing tree),
    // highest level at the bottom. Only the siblings that will actually be
    // merged are present; the higher ones are never reached by the batch.
    let ids = nodes_to_read_for_batch(start, leaves.len() as u64);
    let mut stack: Vec<(u8, Hash)> = ids
        .iter()
        .zip(siblings)
        .rev()
        .map(|(id, h)| (id.level, *h))
        .collect();
    let mut out = Vec::with_capacity(leaves.len() * 2);
    for (offset, leaf) in leaves.iter().enumerate() {
        let position = start + offset as u64;
        out.push((NodeId::leaf(position), *leaf));
        let mut level = 0u8;
        let mut hash = *leaf;
        // Merge while the node just completed is a right child.
        while (position >> level) & 1 == 1 {
            let Some((left_level, left)) = stack.pop() else {
                // Unreachable when `siblings` matches the plan: every right
                // child's left sibling is either in the batch or was read.
                unreachable!("missing left sibling at level {level} for leaf {position}");
            };
            debug_assert_eq!(left_level, level);
            hash = node_hash(&left, &hash);
            level += 1;
            out.push((NodeId::new(level, position >> level), hash));
        }
        stack.push((level, hash));
    }
    out
}

// ---------------------------------------------------------------------------
// Verification (RFC 9162).
// ---------------------------------------------------------------------------

/// Root implied by an inclusion proof, per RFC 9162 §2.1.3.2 steps 1-5.
pub fn root_from_inclusion_proof(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
) -> Result<Hash, VerifyError> {
    if index >= size {
        return Err(VerifyError::IndexOutOfRange { index, size });
    }
    let mut fnode = index;
    let mut snode = size - 1;
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(VerifyError::ProofTooLong);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            // Skip levels where the path runs along the right edge and there
            // is no sibling to hash with.
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(VerifyError::ProofTooShort);
    }
    Ok(r)
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), VerifyError> {
    if root_from_inclusion_proof(leaf, index, size, proof)? == *root {
        Ok(())
    } else {
        Err(VerifyError::RootMismatch)
    }
}

/// Verifies a consistency proof (RFC 9162 §2.1.4.2).
///
/// Edge cases, decided before the RFC algorithm runs:
/// - `old_size == new_size`: the proof must be empty and the roots equal.
/// - `old_size == 0`: the proof must be empty and `old_root` must be
///   [`EMPTY_ROOT`] (every tree extends the empty tree; tlog-witness sends
///   `old 0` with no proof lines).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), VerifyError> {
    if old_size > new_size {
        return Err(VerifyError::OldSizeTooLarge { old_size, new_size });
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(VerifyError::ProofTooLong);
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(VerifyError::RootMismatch)
        };
    }
    if old_size == 0 {
        if !proof.is_empty() {
            return Err(VerifyError::ProofTooLong);
        }
        return if *old_root == EMPTY_ROOT {
            Ok(())
        } else {
            Err(VerifyError::OldRootMismatch)
        };
    }
    // Step 1.
    if proof.is_empty() {
        return Err(VerifyError::ProofTooShort);
    }
    // Step 2: a power-of-two old tree is itself a node of the new tree, so
    // the proof omits it and the verifier supplies the old root.
    let seed_from_root = old_size.is_power_of_two();
    let mut path = std::iter::once(old_root)
        .filter(|_| seed_from_root)
        .chain(proof.iter());
    // Steps 3-4.
    let mut fnode = old_size - 1;
    let mut snode = new_size - 1;
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 5. `path` is non-empty because `proof` is.
    let Some(first) = path.next() else {
        return Err(VerifyError::ProofTooShort);
    };
    let mut fr = *first;
    let mut sr = *first;
    // Step 6.
    for c in path {
        if snode == 0 {
            return Err(VerifyError::ProofTooLong);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 7.
    if snode != 0 {
        return Err(VerifyError::ProofTooShort);
    }
    if fr != *old_root {
        return Err(VerifyError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(VerifyError::NewRootMismatch);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Reference implementation and in-memory tree.
// ---------------------------------------------------------------------------

/// `MTH(D[n])` computed directly by the RFC 6962 §2.1 recursion over leaf
/// hashes. Deliberately independent of the node-store code path so that the
/// offline verifier (and the tests) have a second opinion.
pub fn root_from_leaves(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => EMPTY_ROOT,
        1 => leaves[0],
        n => {
            // k < n, and n is a usize, so the round trip through u64 is lossless.
            let k = split_point(n as u64) as usize;
            node_hash(
                &root_from_leaves(&leaves[..k]),
                &root_from_leaves(&leaves[k..]),
            )
        }
    }
}

/// A stored node was requested from a [`MemoryTree`] that does not have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("node {0} is not in the tree")]
pub struct MissingNode(pub NodeId);

/// In-memory tree holding every perfect-subtree hash, one `Vec` per level.
/// Used by the offline verifier to rebuild a log from its entries, and by
/// tests as a [`NodeReader`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a leaf hash (not the raw entry; see [`leaf_hash`]).
    pub fn push(&mut self, leaf: Hash) {
        let index = self.size();
        // The siblings of a fresh append are always present: they are the
        // completed nodes on this tree's right edge.
        let siblings: Vec<Hash> = nodes_to_read_for_append(index)
            .iter()
            .map(|id| self.levels[usize::from(id.level)][id.index as usize])
            .collect();
        for (id, hash) in new_nodes_after_append(index, leaf, &siblings) {
            let level = usize::from(id.level);
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            debug_assert_eq!(self.levels[level].len() as u64, id.index);
            self.levels[level].push(hash);
        }
    }

    /// Appends many leaf hashes.
    pub fn extend<I: IntoIterator<Item = Hash>>(&mut self, leaves: I) {
        for leaf in leaves {
            self.push(leaf);
        }
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Hash of leaf `index`, if present.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.node(NodeId::leaf(index))
    }

    /// Stored hash of a perfect subtree, if complete.
    pub fn node(&self, id: NodeId) -> Option<Hash> {
        let index = usize::try_from(id.index).ok()?;
        self.levels.get(usize::from(id.level))?.get(index).copied()
    }

    /// Root of the whole tree.
    pub fn root(&self) -> Hash {
        self.root_at(self.size()).unwrap_or(EMPTY_ROOT)
    }

    /// Root of the tree as it was at `size` leaves, or `None` if `size`
    /// exceeds the current size.
    pub fn root_at(&self, size: u64) -> Option<Hash> {
        if size > self.size() {
            return None;
        }
        try_root(size, self).ok()
    }
}

impl NodeReader for MemoryTree {
    type Error = MissingNode;
    fn read_nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, MissingNode> {
        ids.iter()
            .map(|id| self.node(*id).ok_or(MissingNode(*id)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::cell::{Cell, RefCell};

    fn h(s: &str) -> Hash {
        let v = hex::decode(s).unwrap();
        v.try_into().unwrap()
    }

    /// Leaves of the classic RFC 6962 test tree, from
    /// transparency-dev/merkle proof/verify_test.go (`leaves`).
    fn kat_leaves() -> Vec<Vec<u8>> {
        [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|s| hex::decode(s).unwrap())
        .collect()
    }

    /// Roots for sizes 1..=8, from the same file (`roots`).
    fn kat_roots() -> Vec<Hash> {
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ]
        .iter()
        .map(|s| h(s))
        .collect()
    }

    /// Inclusion vectors (0-based index, size, path), from `inclusionProofs`
    /// in the same file (which stores 1-based leaf numbers).
    fn kat_inclusion() -> Vec<(u64, u64, Vec<Hash>)> {
        vec![
            (0, 1, vec![]),
            (
                0,
                8,
                vec![
                    h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
                ],
            ),
            (
                5,
                8,
                vec![
                    h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                    h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
                ],
            ),
            (
                2,
                3,
                vec![h(
                    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                )],
            ),
            (
                1,
                5,
                vec![
                    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                ],
            ),
        ]
    }

    /// Consistency vectors (old, new, proof), from `consistencyProofs`.
    fn kat_consistency() -> Vec<(u64, u64, Vec<Hash>)> {
        vec![
            (1, 1, vec![]),
            (
                1,
                8,
                vec![
                    h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
                ],
            ),
            (
                6,
                8,
                vec![
                    h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                    h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
                ],
            ),
            (
                2,
                5,
                vec![
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                ],
            ),
            (
                6,
                7,
                vec![
                    h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                    h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
                    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
                ],
            ),
        ]
    }

    fn kat_tree() -> MemoryTree {
        let mut t = MemoryTree::new();
        t.extend(kat_leaves().iter().map(|l| leaf_hash(l)));
        t
    }

    fn tree_of(n: u64) -> (MemoryTree, Vec<Hash>) {
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut t = MemoryTree::new();
        t.extend(leaves.iter().copied());
        (t, leaves)
    }

    /// Reader wrapper that counts batches and ids, to prove proofs are built
    /// from a bounded number of batched reads.
    struct Counting<'a> {
        inner: &'a MemoryTree,
        calls: Cell<usize>,
        ids: Cell<usize>,
        seen: RefCell<Vec<Vec<NodeId>>>,
    }
    impl<'a> Counting<'a> {
        fn new(inner: &'a MemoryTree) -> Self {
            Counting {
                inner,
                calls: Cell::new(0),
                ids: Cell::new(0),
                seen: RefCell::new(Vec::new()),
            }
        }
    }
    impl NodeReader for Counting<'_> {
        type Error = MissingNode;
        fn read_nodes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, MissingNode> {
            self.calls.set(self.calls.get() + 1);
            self.ids.set(self.ids.get() + ids.len());
            self.seen.borrow_mut().push(ids.to_vec());
            self.inner.read_nodes(ids)
        }
    }

    fn ceil_log2(n: u64) -> usize {
        if n <= 1 {
            0
        } else {
            (64 - (n - 1).leading_zeros()) as usize
        }
    }

    // ---- Known-answer tests -------------------------------------------

    /// transparency-dev/merkle rfc6962/rfc6962_test.go.
    #[test]
    fn kat_hasher() {
        assert_eq!(
            EMPTY_ROOT.as_ref(),
            digest::digest(&digest::SHA256, b"").as_ref()
        );
        assert_eq!(
            EMPTY_ROOT,
            h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(
            leaf_hash(b""),
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        );
        assert_eq!(
            leaf_hash(b"L123456"),
            h("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
        );
        // node_hash must differ from a leaf hash of the concatenation.
        let (a, b) = (leaf_hash(b"Hello"), leaf_hash(b"World"));
        let mut cat = a.to_vec();
        cat.extend_from_slice(&b);
        assert_ne!(node_hash(&a, &b), leaf_hash(&cat));
        assert_ne!(node_hash(&a, &b), node_hash(&b, &a));
    }

    #[test]
    fn kat_roots_all_paths() {
        let leaves: Vec<Hash> = kat_leaves().iter().map(|l| leaf_hash(l)).collect();
        let tree = kat_tree();
        for (i, want) in kat_roots().iter().enumerate() {
            let size = i as u64 + 1;
            assert_eq!(
                root_from_leaves(&leaves[..=i]),
                *want,
                "reference MTH size {size}"
            );
            assert_eq!(root(size, &tree).unwrap(), *want, "stored root size {size}");
            assert_eq!(tree.root_at(size), Some(*want));
            let mut partial = MemoryTree::new();
            partial.extend(leaves[..=i].iter().copied());
            assert_eq!(partial.root(), *want, "MemoryTree::root size {size}");
        }
        assert_eq!(root(0, &tree).unwrap(), EMPTY_ROOT);
        assert_eq!(root_from_leaves(&[]), EMPTY_ROOT);
        assert_eq!(MemoryTree::new().root(), EMPTY_ROOT);
    }

    #[test]
    fn kat_inclusion_generated_and_verified() {
        let tree = kat_tree();
        let leaves = kat_leaves();
        let roots = kat_roots();
        for (index, size, want) in kat_inclusion() {
            let got = inclusion_proof(index, size, &tree).unwrap();
            assert_eq!(got, want, "generated proof for ({index}, {size})");
            let leaf = leaf_hash(&leaves[index as usize]);
            let r = roots[size as usize - 1];
            verify_inclusion(&leaf, index, size, &want, &r).unwrap();
        }
    }

    #[test]
    fn kat_consistency_generated_and_verified() {
        let tree = kat_tree();
        let roots = kat_roots();
        for (old, new, want) in kat_consistency() {
            let got = consistency_proof(old, new, &tree).unwrap();
            assert_eq!(got, want, "generated proof for ({old}, {new})");
            verify_consistency(
                old,
                new,
                &roots[old as usize - 1],
                &roots[new as usize - 1],
                &want,
            )
            .unwrap();
        }
    }

    /// The probes of transparency-dev/merkle `corruptInclusionProof` that are
    /// expressible with fixed-size hashes.
    #[test]
    fn kat_inclusion_corruptions_rejected() {
        let some = h("abacaba000000000000000000000000000000000000000000060061e00123456");
        let leaves = kat_leaves();
        let roots = kat_roots();
        for (index, size, proof) in kat_inclusion().into_iter().skip(1) {
            let leaf = leaf_hash(&leaves[index as usize]);
            let r = roots[size as usize - 1];
            let bad = |i: u64, s: u64, l: &Hash, p: &[Hash], rt: &Hash| {
                verify_inclusion(l, i, s, p, rt).is_err()
            };
            assert!(
                bad(index.wrapping_sub(1), size, &leaf, &proof, &r),
                "index-1"
            );
            assert!(bad(index + 1, size, &leaf, &proof, &r), "index+1");
            assert!(bad(index ^ 2, size, &leaf, &proof, &r), "index^2");
            assert!(bad(index, size * 2, &leaf, &proof, &r), "size*2");
            assert!(bad(index, size / 2, &leaf, &proof, &r), "size/2");
            assert!(
                bad(index, size, &leaf_hash(b"WrongLeaf"), &proof, &r),
                "wrong leaf"
            );
            assert!(bad(index, size, &leaf, &proof, &EMPTY_ROOT), "empty root");
            assert!(bad(index, size, &leaf, &proof, &some), "random root");
            let mut p = proof.clone();
            p.push(r);
            assert!(bad(index, size, &leaf, &p, &r), "trailing root");
            let mut p = vec![r];
            p.extend_from_slice(&proof);
            assert!(bad(index, size, &leaf, &p, &r), "preceding root");
            for i in 0..proof.len() {
                let mut p = proof.clone();
                p[i][0] ^= 8;
                assert!(bad(index, size, &leaf, &p, &r), "modified proof[{i}]");
            }
            if !proof.is_empty() {
                assert!(
                    bad(index, size, &leaf, &proof[..proof.len() - 1], &r),
                    "removed"
                );
            }
            if proof.len() > 1 {
                let mut p = vec![proof[0], some];
                p.extend_from_slice(&proof[1..]);
                assert!(bad(index, size, &leaf, &p, &r), "inserted");
            }
        }
    }

    /// The probes of `corruptConsistencyProof`, same source.
    #[test]
    fn kat_consistency_corruptions_rejected() {
        let roots = kat_roots();
        let wrong = leaf_hash(b"WrongRoot");
        for (s1, s2, proof) in kat_consistency() {
            if proof.is_empty() {
                continue;
            }
            let (r1, r2) = (roots[s1 as usize - 1], roots[s2 as usize - 1]);
            let bad = |a: u64, b: u64, x: &Hash, y: &Hash, p: &[Hash]| {
                verify_consistency(a, b, x, y, p).is_err()
            };
            assert!(bad(s1 - 1, s2, &r1, &r2, &proof), "size1-1");
            assert!(bad(s1 + 1, s2, &r1, &r2, &proof), "size1+1");
            assert!(bad(s1 ^ 2, s2, &r1, &r2, &proof), "size1^2");
            assert!(bad(s1, s2 * 2, &r1, &r2, &proof), "size2*2");
            assert!(bad(s1, s2 / 2, &r1, &r2, &proof), "size2/2");
            assert!(bad(s1, s2, &wrong, &r2, &proof), "wrong root1");
            assert!(bad(s1, s2, &r1, &wrong, &proof), "wrong root2");
            assert!(bad(s1, s2, &r2, &r1, &proof), "swapped roots");
            assert!(bad(s1, s2, &r1, &r2, &[]), "empty proof");
            for extra in [r1, r2] {
                let mut p = proof.clone();
                p.push(extra);
                assert!(bad(s1, s2, &r1, &r2, &p), "trailing root");
                let mut p = vec![extra];
                p.extend_from_slice(&proof);
                assert!(bad(s1, s2, &r1, &r2, &p), "preceding root");
            }
            let mut p = vec![proof[0]];
            p.extend_from_slice(&proof);
            assert!(bad(s1, s2, &r1, &r2, &p), "preceding proof[0]");
            assert!(
                bad(s1, s2, &r1, &r2, &proof[..proof.len() - 1]),
                "truncated"
            );
            for i in 0..proof.len() {
                let mut p = proof.clone();
                p[i][0] ^= 16;
                assert!(bad(s1, s2, &r1, &r2, &p), "modified proof[{i}]");
            }
        }
    }

    /// Edge cases of transparency-dev/merkle `TestVerifyConsistency`, adapted:
    /// we additionally require the empty-tree root for size 0.
    #[test]
    fn consistency_edge_cases() {
        let r1 = leaf_hash(b"don't care 1");
        let r2 = leaf_hash(b"don't care 2");
        assert!(verify_consistency(0, 0, &EMPTY_ROOT, &EMPTY_ROOT, &[]).is_ok());
        assert!(verify_consistency(0, 1, &EMPTY_ROOT, &r2, &[]).is_ok());
        assert_eq!(
            verify_consistency(0, 1, &r1, &r2, &[]),
            Err(VerifyError::OldRootMismatch)
        );
        assert!(verify_consistency(1, 1, &r2, &r2, &[]).is_ok());
        assert_eq!(
            verify_consistency(1, 1, &r1, &r2, &[]),
            Err(VerifyError::RootMismatch)
        );
        assert_eq!(
            verify_consistency(1, 0, &r1, &r2, &[]),
            Err(VerifyError::OldSizeTooLarge {
                old_size: 1,
                new_size: 0
            })
        );
        assert!(verify_consistency(2, 1, &r1, &r2, &[]).is_err());
        assert_eq!(
            verify_consistency(1, 2, &r1, &r2, &[]),
            Err(VerifyError::ProofTooShort)
        );
        assert!(verify_consistency(0, 0, &EMPTY_ROOT, &r2, &[]).is_err());
        for (a, b) in [(0, 0), (0, 1), (1, 1)] {
            assert_eq!(
                verify_consistency(a, b, &EMPTY_ROOT, &EMPTY_ROOT, &[EMPTY_ROOT]),
                Err(VerifyError::ProofTooLong)
            );
        }
    }

    #[test]
    fn inclusion_edge_cases() {
        let some = leaf_hash(b"x");
        for (i, s) in [(0u64, 0u64), (1, 0), (2, 1), (1, 1)] {
            assert_eq!(
                verify_inclusion(&some, i, s, &[], &some),
                Err(VerifyError::IndexOutOfRange { index: i, size: s })
            );
        }
        // Single-entry tree: root == leaf, empty proof.
        assert!(verify_inclusion(&some, 0, 1, &[], &some).is_ok());
        assert_eq!(
            verify_inclusion(&some, 0, 1, &[], &EMPTY_ROOT),
            Err(VerifyError::RootMismatch)
        );
        assert_eq!(
            verify_inclusion(&some, 0, 1, &[some], &some),
            Err(VerifyError::ProofTooLong)
        );
        assert_eq!(
            verify_inclusion(&some, 0, 2, &[], &some),
            Err(VerifyError::ProofTooShort)
        );
    }

    #[test]
    fn proof_errors_are_distinct() {
        let (t, _) = tree_of(7);
        assert_eq!(inclusion_proof(0, 0, &t), Err(ProofError::EmptyTree));
        assert_eq!(
            inclusion_proof(7, 7, &t),
            Err(ProofError::IndexOutOfRange { index: 7, size: 7 })
        );
        assert_eq!(
            consistency_proof(9, 8, &t),
            Err(ProofError::OldSizeTooLarge {
                old_size: 9,
                new_size: 8
            })
        );
        // A size beyond what is stored surfaces the reader's error.
        assert_eq!(
            inclusion_proof(0, 9, &t),
            Err(ProofError::Reader(MissingNode(NodeId::new(0, 8))))
        );
        assert_eq!(consistency_proof(0, 5, &t), Ok(vec![]));
        assert_eq!(consistency_proof(5, 5, &t), Ok(vec![]));
        assert_eq!(root(9, &t), Err(MissingNode(NodeId::new(0, 8))));
    }

    struct ShortReader;
    impl NodeReader for ShortReader {
        type Error = MissingNode;
        fn read_nodes(&self, _: &[NodeId]) -> Result<Vec<Hash>, MissingNode> {
            Ok(vec![])
        }
    }

    #[test]
    fn reader_contract_violation_is_an_error() {
        assert_eq!(
            inclusion_proof(0, 4, &ShortReader),
            Err(ProofError::ReaderContract {
                expected: 2,
                got: 0
            })
        );
        assert_eq!(
            try_root(3, &ShortReader),
            Err(ProofError::ReaderContract {
                expected: 2,
                got: 0
            })
        );
        assert_eq!(
            try_append_batch(1, &[EMPTY_ROOT], &ShortReader),
            Err(ProofError::ReaderContract {
                expected: 1,
                got: 0
            })
        );
    }

    #[test]
    #[should_panic(expected = "contract violated")]
    fn root_panics_on_contract_violation() {
        let _ = root(3, &ShortReader);
    }

    /// Planned node ids equal the node sets in transparency-dev/merkle
    /// proof/proof_test.go `TestInclusion` / `TestConsistency` (compared as
    /// sets, because Go lists ephemeral-node pieces in a different order).
    #[test]
    fn plans_match_go_node_sets() {
        type E = std::convert::Infallible;
        let id = NodeId::new;
        let inc: Vec<(u64, u64, Vec<NodeId>)> = vec![
            (1, 0, vec![]),
            (2, 0, vec![id(0, 1)]),
            (2, 1, vec![id(0, 0)]),
            (3, 1, vec![id(0, 0), id(0, 2)]),
            (7, 0, vec![id(0, 1), id(1, 1), id(0, 6), id(1, 2)]),
            (7, 1, vec![id(0, 0), id(1, 1), id(0, 6), id(1, 2)]),
            (7, 2, vec![id(0, 3), id(1, 0), id(0, 6), id(1, 2)]),
            (7, 3, vec![id(0, 2), id(1, 0), id(0, 6), id(1, 2)]),
            (7, 4, vec![id(0, 5), id(0, 6), id(2, 0)]),
            (7, 5, vec![id(0, 4), id(0, 6), id(2, 0)]),
            (7, 6, vec![id(1, 2), id(2, 0)]),
            (4, 2, vec![id(0, 3), id(1, 0)]),
            (5, 3, vec![id(0, 2), id(1, 0), id(0, 4)]),
            (6, 3, vec![id(0, 2), id(1, 0), id(1, 2)]),
            (6, 4, vec![id(0, 5), id(2, 0)]),
            (
                15,
                10,
                vec![id(0, 11), id(1, 4), id(0, 14), id(1, 6), id(3, 0)],
            ),
            (
                31,
                24,
                vec![
                    id(0, 25),
                    id(1, 13),
                    id(0, 30),
                    id(1, 14),
                    id(3, 2),
                    id(4, 0),
                ],
            ),
            (
                95,
                81,
                vec![
                    id(0, 80),
                    id(1, 41),
                    id(2, 21),
                    id(0, 94),
                    id(1, 46),
                    id(2, 22),
                    id(4, 4),
                    id(6, 0),
                ],
            ),
        ];
        for (size, index, mut want) in inc {
            want.sort();
            let plan = plan_inclusion::<E>(index, size).unwrap();
            assert_eq!(plan.ids(), &want[..], "inclusion({index}, {size})");
        }
        for (size, index) in [(0, 0), (0, 1), (1, 2), (0, 3), (7, 8)] {
            assert!(plan_inclusion::<E>(index, size).is_err());
        }
        let cons: Vec<(u64, u64, Vec<NodeId>)> = vec![
            (1, 2, vec![id(0, 1)]),
            (1, 4, vec![id(0, 1), id(1, 1)]),
            (1, 6, vec![id(0, 1), id(1, 1), id(1, 2)]),
            (2, 3, vec![id(0, 2)]),
            (2, 8, vec![id(1, 1), id(2, 1)]),
            (3, 7, vec![id(0, 2), id(0, 3), id(1, 0), id(0, 6), id(1, 2)]),
            (4, 7, vec![id(0, 6), id(1, 2)]),
            (5, 7, vec![id(0, 4), id(0, 5), id(0, 6), id(2, 0)]),
            (6, 7, vec![id(1, 2), id(0, 6), id(2, 0)]),
            (7, 8, vec![id(0, 6), id(0, 7), id(1, 2), id(2, 0)]),
            (1, 1, vec![]),
            (2, 2, vec![]),
            (3, 3, vec![]),
            (4, 4, vec![]),
            (5, 5, vec![]),
            (7, 7, vec![]),
            (8, 8, vec![]),
            (2, 4, vec![id(1, 1)]),
            (3, 5, vec![id(0, 2), id(0, 3), id(1, 0), id(0, 4)]),
            (3, 6, vec![id(0, 2), id(0, 3), id(1, 0), id(1, 2)]),
            (4, 6, vec![id(1, 2)]),
            (1, 7, vec![id(0, 1), id(1, 1), id(0, 6), id(1, 2)]),
            (
                10,
                15,
                vec![id(1, 4), id(1, 5), id(0, 14), id(1, 6), id(3, 0)],
            ),
            (
                24,
                31,
                vec![id(3, 2), id(0, 30), id(1, 14), id(2, 6), id(4, 0)],
            ),
            (
                81,
                95,
                vec![
                    id(0, 80),
                    id(0, 81),
                    id(1, 41),
                    id(2, 21),
                    id(0, 94),
                    id(1, 46),
                    id(2, 22),
                    id(4, 4),
                    id(6, 0),
                ],
            ),
        ];
        for (s1, s2, mut want) in cons {
            want.sort();
            let plan = plan_consistency::<E>(s1, s2).unwrap();
            assert_eq!(plan.ids(), &want[..], "consistency({s1}, {s2})");
        }
        assert!(plan_consistency::<E>(5, 0).is_err());
        assert!(plan_consistency::<E>(9, 8).is_err());
    }

    // ---- Batched-read accounting ------------------------------------------

    #[test]
    fn reads_are_single_batches_of_logarithmic_size() {
        let (tree, _) = tree_of(1000);
        for size in [1u64, 2, 3, 7, 8, 9, 100, 511, 512, 513, 999, 1000] {
            let c = Counting::new(&tree);
            root(size, &c).unwrap();
            assert_eq!(c.calls.get(), 1, "root({size}) calls");
            assert_eq!(c.ids.get(), size.count_ones() as usize);
            for index in [0, size / 3, size / 2, size - 1] {
                let c = Counting::new(&tree);
                inclusion_proof(index, size, &c).unwrap();
                assert!(c.calls.get() <= 1, "inclusion calls");
                assert!(
                    c.ids.get() <= 2 * ceil_log2(size),
                    "inclusion ids {}",
                    c.ids.get()
                );
            }
            for old in [1, size / 2, size.saturating_sub(1).max(1)] {
                let c = Counting::new(&tree);
                consistency_proof(old, size, &c).unwrap();
                assert!(c.calls.get() <= 1, "consistency calls");
                assert!(
                    c.ids.get() <= 2 * ceil_log2(size) + 1,
                    "consistency ids {}",
                    c.ids.get()
                );
                for batch in c.seen.borrow().iter() {
                    let mut sorted = batch.clone();
                    sorted.dedup();
                    assert_eq!(&sorted, batch, "ids are sorted and unique");
                }
            }
        }
        let c = Counting::new(&tree);
        assert_eq!(root(0, &c).unwrap(), EMPTY_ROOT);
        assert_eq!(c.calls.get(), 0);
    }

    #[test]
    fn append_reads_once_and_only_what_it_merges() {
        let (tree, _) = tree_of(1000);
        // Appending to a power-of-two-minus-one tree merges the whole edge.
        let c = Counting::new(&tree);
        let out = append_batch(511, &[leaf_hash(b"x")], &c).unwrap();
        assert_eq!(c.calls.get(), 1);
        assert_eq!(c.ids.get(), 9);
        assert_eq!(out.len(), 10);
        assert_eq!(out.last().unwrap().0, NodeId::new(9, 0));
        // Appending to an even size merges nothing: no read at all.
        let c = Counting::new(&tree);
        append_batch(512, &[leaf_hash(b"x")], &c).unwrap();
        assert_eq!(c.calls.get(), 0);
        assert_eq!(nodes_to_read_for_append(0), vec![]);
        assert_eq!(nodes_to_read_for_append(1), vec![NodeId::new(0, 0)]);
        assert_eq!(
            nodes_to_read_for_append(7),
            vec![NodeId::new(0, 6), NodeId::new(1, 2), NodeId::new(2, 0)]
        );
        assert_eq!(nodes_to_read_for_append(6), vec![]);
        // A batch over a large range reads each tiling node of [0, start) at
        // most once, in one call.
        let c = Counting::new(&tree);
        let leaves: Vec<Hash> = (0..300u32).map(|i| leaf_hash(&i.to_le_bytes())).collect();
        append_batch(700, &leaves, &c).unwrap();
        assert_eq!(c.calls.get(), 1);
        assert!(c.ids.get() <= 700u64.count_ones() as usize);
    }

    #[test]
    fn new_nodes_after_append_for_db_callers() {
        // Simulate a DB: a map of stored nodes, appended one leaf at a time
        // with the two-step API.
        let mut db = std::collections::BTreeMap::new();
        let mut reference = MemoryTree::new();
        for i in 0..70u64 {
            let leaf = leaf_hash(&i.to_be_bytes());
            let siblings: Vec<Hash> = nodes_to_read_for_append(i)
                .iter()
                .map(|id| db[id])
                .collect();
            let new = new_nodes_after_append(i, leaf, &siblings);
            assert_eq!(new[0], (NodeId::leaf(i), leaf));
            assert_eq!(new.len(), 1 + i.trailing_ones() as usize);
            for (id, hash) in new {
                assert!(db.insert(id, hash).is_none(), "node {id} written twice");
            }
            reference.push(leaf);
        }
        for (id, hash) in &db {
            assert_eq!(reference.node(*id), Some(*hash));
        }
    }

    #[test]
    #[should_panic(expected = "left siblings")]
    fn new_nodes_after_append_rejects_wrong_sibling_count() {
        new_nodes_after_append(3, EMPTY_ROOT, &[EMPTY_ROOT]);
    }

    /// Every inclusion proof in every small tree, with every single-bit flip.
    #[test]
    fn exhaustive_small_trees_bit_flips() {
        for size in 1..=24u64 {
            let (tree, leaves) = tree_of(size);
            let r = tree.root();
            for index in 0..size {
                let proof = inclusion_proof(index, size, &tree).unwrap();
                verify_inclusion(&leaves[index as usize], index, size, &proof, &r).unwrap();
                for bit in 0..256 {
                    for i in 0..proof.len() {
                        let mut p = proof.clone();
                        p[i][bit / 8] ^= 1 << (bit % 8);
                        assert!(
                            verify_inclusion(&leaves[index as usize], index, size, &p, &r).is_err()
                        );
                    }
                    let mut l = leaves[index as usize];
                    l[bit / 8] ^= 1 << (bit % 8);
                    assert!(verify_inclusion(&l, index, size, &proof, &r).is_err());
                }
            }
            for old in 1..=size {
                let proof = consistency_proof(old, size, &tree).unwrap();
                let r_old = tree.root_at(old).unwrap();
                verify_consistency(old, size, &r_old, &r, &proof).unwrap();
                // Wrong sizes with the same proof must fail (the roots differ
                // per size, so use the right roots for the claimed sizes).
                if old < size {
                    for other in 1..=size {
                        if other != old {
                            let ro = tree.root_at(other).unwrap();
                            assert!(
                                verify_consistency(other, size, &ro, &r, &proof).is_err(),
                                "proof {old}->{size} accepted as {other}->{size}"
                            );
                        }
                    }
                }
            }
        }
    }

    // ---- Property tests ---------------------------------------------------

    fn flip(h: &mut Hash, bit: usize) {
        h[bit / 8] ^= 1 << (bit % 8);
    }

    proptest! {
        #[test]
        fn prop_inclusion(
            size in 1u64..2000,
            idx_seed in any::<u64>(),
            bit in 0usize..256,
            which in any::<usize>(),
        ) {
            let (tree, leaves) = tree_of(size);
            let index = idx_seed % size;
            let r = tree.root();
            prop_assert_eq!(r, root_from_leaves(&leaves));
            let c = Counting::new(&tree);
            let proof = inclusion_proof(index, size, &c).unwrap();
            prop_assert!(c.calls.get() <= 1);
            prop_assert!(proof.len() <= ceil_log2(size));
            let leaf = leaves[index as usize];
            prop_assert!(verify_inclusion(&leaf, index, size, &proof, &r).is_ok());

            let mut bad_leaf = leaf;
            flip(&mut bad_leaf, bit);
            prop_assert!(verify_inclusion(&bad_leaf, index, size, &proof, &r).is_err());
            let mut bad_root = r;
            flip(&mut bad_root, bit);
            prop_assert!(verify_inclusion(&leaf, index, size, &proof, &bad_root).is_err());
            if !proof.is_empty() {
                let mut p = proof.clone();
                let i = which % p.len();
                flip(&mut p[i], bit);
                prop_assert!(verify_inclusion(&leaf, index, size, &p, &r).is_err());
            }
        }

        #[test]
        fn prop_consistency(
            new_size in 1u64..2000,
            old_seed in any::<u64>(),
            bit in 0usize..256,
            which in any::<usize>(),
        ) {
            let (tree, _) = tree_of(new_size);
            let old_size = old_seed % (new_size + 1);
            let r_new = tree.root();
            let r_old = tree.root_at(old_size).unwrap();
            let c = Counting::new(&tree);
            let proof = consistency_proof(old_size, new_size, &c).unwrap();
            prop_assert!(c.calls.get() <= 1);
            prop_assert!(proof.len() <= ceil_log2(new_size) + 1);
            prop_assert!(verify_consistency(old_size, new_size, &r_old, &r_new, &proof).is_ok());

            let mut bad = r_old;
            flip(&mut bad, bit);
            prop_assert!(verify_consistency(old_size, new_size, &bad, &r_new, &proof).is_err());
            // From the empty tree every new root is consistent, so only a
            // non-empty old tree pins the new root.
            if old_size > 0 {
                let mut bad = r_new;
                flip(&mut bad, bit);
                prop_assert!(verify_consistency(old_size, new_size, &r_old, &bad, &proof).is_err());
            }
            if !proof.is_empty() {
                let mut p = proof.clone();
                let i = which % p.len();
                flip(&mut p[i], bit);
                prop_assert!(verify_consistency(old_size, new_size, &r_old, &r_new, &p).is_err());
            }
        }

        #[test]
        fn prop_root_via_reader_matches_reference(size in 0u64..2000, prefix_seed in any::<u64>()) {
            let (tree, leaves) = tree_of(size);
            prop_assert_eq!(root(size, &tree).unwrap(), root_from_leaves(&leaves));
            let prefix = if size == 0 { 0 } else { prefix_seed % (size + 1) };
            prop_assert_eq!(
                root(prefix, &tree).unwrap(),
                root_from_leaves(&leaves[..prefix as usize])
            );
        }

        #[test]
        fn prop_append_batch_equals_one_by_one(
            size in 0usize..1500,
            cuts in proptest::collection::vec(any::<u16>(), 0..12),
        ) {
            let (reference, leaves) = tree_of(size as u64);
            let mut points: Vec<usize> =
                cuts.iter().map(|c| usize::from(*c) % (size + 1)).collect();
            points.push(0);
            points.push(size);
            points.sort_unstable();
            points.dedup();
            let mut built = MemoryTree::new();
            for w in points.windows(2) {
                let (a, b) = (w[0], w[1]);
                let c = Counting::new(&built);
                let new = append_batch(a as u64, &leaves[a..b], &c).unwrap();
                prop_assert!(c.calls.get() <= 1);
                drop(c);
                for (id, hash) in new {
                    prop_assert_eq!(reference.node(id), Some(hash));
                    let level = usize::from(id.level);
                    if built.levels.len() <= level {
                        built.levels.push(Vec::new());
                    }
                    prop_assert_eq!(built.levels[level].len() as u64, id.index);
                    built.levels[level].push(hash);
                }
            }
            prop_assert_eq!(&built, &reference);
        }
    }
}
