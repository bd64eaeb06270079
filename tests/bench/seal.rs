//! Opening speed of sealed bids: the streaming opener (AEAD per 1 MiB chunk, nonce/order checks,
//! and the two SHA-256 digest checks an opening must make) beside the machine's raw single-core
//! AES-256-GCM decryption and raw SHA-256, all measured in this run.

use etender::seal::bench::measure;

use crate::report::Report;

pub fn run(out: &mut Report) {
    let r = measure(256).expect("seal bench");
    out.record(
        "seal.open_stream_decrypt_stage",
        r.stream_open_aead_only_mb_s,
        "MB/s",
        "raw_aes256gcm_open_single_core",
        r.raw_open_mb_s,
    );
    out.record(
        "seal.open_stream_with_digest_checks",
        r.stream_open_mb_s,
        "MB/s",
        "raw_aes256gcm_open_single_core",
        r.raw_open_mb_s,
    );
    out.record(
        "seal.open_stream_with_digest_checks_vs_sha256",
        r.stream_open_mb_s,
        "MB/s",
        "raw_sha256_single_core",
        r.sha256_mb_s,
    );
    out.record(
        "seal.raw_aes256gcm_seal",
        r.raw_seal_mb_s,
        "MB/s",
        "raw_aes256gcm_open_single_core",
        r.raw_open_mb_s,
    );
}
