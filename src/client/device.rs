//! The bidder's machine as the bidder's tool sees it, for the device fingerprint sealed into the
//! summary (`seal::Preparation`, docs/EVALUATION.md §9): two bids prepared on one machine are a
//! collusion signal (串标, domain-rules §6.1: the same MAC, CPU, disk or motherboard, or the same
//! pricing-software dongle). Only digests leave the machine
//! (`DeviceFingerprint::component`); the raw serials are read here and dropped.
//!
//! Read from Linux's sysfs and procfs, best effort: a component the system does not expose (or
//! exposes only to root, or as a vendor placeholder) is left out rather than guessed. The
//! pricing software's dongle serial is not something the system lists; the bidder's tool passes
//! it in when the pricing software reports one.

use std::path::Path;

use crate::seal::DeviceFingerprint;

/// Values vendors leave in DMI fields that identify nothing.
const PLACEHOLDERS: &[&str] = &[
    "",
    "0",
    "none",
    "default string",
    "to be filled by o.e.m.",
    "not specified",
    "not applicable",
    "system serial number",
    "0123456789",
];

fn read(root: &Path, path: &str) -> Option<String> {
    let v = std::fs::read_to_string(root.join(path.trim_start_matches('/'))).ok()?;
    let v = v.trim().to_string();
    let lower = v.to_ascii_lowercase();
    (!PLACEHOLDERS.contains(&lower.as_str()) && !lower.chars().all(|c| c == '0' || c == ':'))
        .then_some(v)
}

fn entries(root: &Path, dir: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join(dir))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The first physical network card's MAC address (one backed by a device, not `lo`, bridges or
/// virtual interfaces), in name order.
fn mac(root: &Path) -> Option<String> {
    entries(root, "sys/class/net")
        .into_iter()
        .filter(|n| n != "lo")
        .filter(|n| root.join(format!("sys/class/net/{n}/device")).exists())
        .find_map(|n| read(root, &format!("sys/class/net/{n}/address")))
}

/// The CPU's serial where the processor exposes one (`Serial` in /proc/cpuinfo, ARM boards).
fn cpu(root: &Path) -> Option<String> {
    let info = std::fs::read_to_string(root.join("proc/cpuinfo")).ok()?;
    info.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim().eq_ignore_ascii_case("serial"))
            .then(|| v.trim().to_string())
            .filter(|v| !v.chars().all(|c| c == '0'))
    })
}

/// The serial of the first disk that reports one (NVMe and SCSI expose it in sysfs), in name
/// order; loop, RAM and device-mapper devices have none.
fn disk(root: &Path) -> Option<String> {
    entries(root, "sys/block").into_iter().find_map(|d| {
        read(root, &format!("sys/block/{d}/device/serial"))
            .or_else(|| read(root, &format!("sys/block/{d}/device/wwid")))
    })
}

/// The motherboard's serial, or the system's UUID where the board's is a placeholder (both are
/// readable by root only on most systems).
fn board(root: &Path) -> Option<String> {
    read(root, "sys/class/dmi/id/board_serial")
        .or_else(|| read(root, "sys/class/dmi/id/product_uuid"))
}

/// The fingerprint of the machine whose filesystem is mounted at `root` (`/` for this one),
/// with the pricing dongle's serial if the caller has it.
pub fn observe_at(root: &Path, pricing_dongle: Option<&str>) -> DeviceFingerprint {
    let hash =
        |name: &str, v: Option<String>| v.and_then(|v| DeviceFingerprint::component(name, &v));
    DeviceFingerprint {
        mac: hash("mac", mac(root)),
        cpu: hash("cpu", cpu(root)),
        disk: hash("disk", disk(root)),
        board: hash("board", board(root)),
        pricing_dongle: pricing_dongle
            .and_then(|v| DeviceFingerprint::component("pricing_dongle", v)),
    }
}

/// This machine's fingerprint.
pub fn observe(pricing_dongle: Option<&str>) -> DeviceFingerprint {
    observe_at(Path::new("/"), pricing_dongle)
}

/// Whether the fingerprint holds any component at all.
pub fn is_empty(f: &DeviceFingerprint) -> bool {
    f.mac.is_none()
        && f.cpu.is_none()
        && f.disk.is_none()
        && f.board.is_none()
        && f.pricing_dongle.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(root: &Path, path: &str, content: &str) {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    /// A machine laid out as sysfs and procfs show it.
    fn machine(root: &Path, mac: &str, disk: &str) {
        put(root, "sys/class/net/lo/address", "00:00:00:00:00:00\n");
        put(root, "sys/class/net/docker0/address", "02:42:ac:11:00:01\n");
        put(root, "sys/class/net/enp3s0/address", &format!("{mac}\n"));
        std::fs::create_dir_all(root.join("sys/class/net/enp3s0/device")).unwrap();
        put(root, "sys/block/loop0/size", "0\n");
        put(
            root,
            "sys/block/nvme0n1/device/serial",
            &format!("  {disk}  \n"),
        );
        put(
            root,
            "sys/class/dmi/id/board_serial",
            "To be filled by O.E.M.\n",
        );
        put(
            root,
            "sys/class/dmi/id/product_uuid",
            "4c4c4544-0042-3510-8052-b4c04f385732\n",
        );
        put(
            root,
            "proc/cpuinfo",
            "processor\t: 0\nmodel name\t: Intel(R) Xeon(R)\n",
        );
    }

    #[test]
    fn components_come_from_physical_devices_and_are_hashed() {
        let a = tempfile::tempdir().unwrap();
        machine(a.path(), "AA:BB:CC:DD:EE:01", "S4EWNX0N123456");
        let f = observe_at(a.path(), Some("SN-8841-2207"));
        assert_eq!(
            f.mac,
            DeviceFingerprint::component("mac", "aa-bb-cc-dd-ee-01"),
            "the physical card, not lo or docker0"
        );
        assert_eq!(
            f.disk,
            DeviceFingerprint::component("disk", "S4EWNX0N123456")
        );
        assert_eq!(
            f.board,
            DeviceFingerprint::component("board", "4c4c4544-0042-3510-8052-b4c04f385732"),
            "a placeholder board serial falls back to the system UUID"
        );
        assert_eq!(f.cpu, None, "x86 exposes no CPU serial");
        assert_eq!(
            f.pricing_dongle,
            DeviceFingerprint::component("pricing_dongle", "SN-8841-2207")
        );
        // Nothing raw: every component is a SHA-256 in hex.
        for c in [&f.mac, &f.disk, &f.board, &f.pricing_dongle] {
            let c = c.as_deref().unwrap();
            assert_eq!(c.len(), 64);
            assert!(!c.contains("S4EWNX"));
        }
        // The same machine twice agrees; another machine does not.
        assert_eq!(observe_at(a.path(), Some("SN-8841-2207")), f);
        let b = tempfile::tempdir().unwrap();
        machine(b.path(), "AA:BB:CC:DD:EE:02", "S4EWNX0N654321");
        let g = observe_at(b.path(), None);
        assert_ne!(g.mac, f.mac);
        assert_ne!(g.disk, f.disk);
        assert_eq!(
            g.board, f.board,
            "a cloned system UUID is shared, as it should be"
        );
    }

    #[test]
    fn an_arm_board_gives_its_cpu_serial_and_a_bare_machine_nothing() {
        let a = tempfile::tempdir().unwrap();
        put(
            a.path(),
            "proc/cpuinfo",
            "processor\t: 0\nSerial\t\t: 10000000a3c1f2e5\n",
        );
        let f = observe_at(a.path(), None);
        assert_eq!(
            f.cpu,
            DeviceFingerprint::component("cpu", "10000000a3c1f2e5")
        );
        let empty = tempfile::tempdir().unwrap();
        assert!(is_empty(&observe_at(empty.path(), None)));
        assert!(!is_empty(&f));
    }
}
