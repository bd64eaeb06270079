use super::*;
use rust_decimal::dec;

/// A deterministic stream of independent-looking values (SplitMix64).
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn hex(&mut self) -> String {
        format!("{:016x}{:016x}", self.next(), self.next())
    }
}

/// `n` bids of `n` bidders with nothing in common: prices to the fen around ¥9.5 M, their own
/// machines, addresses, accounts, managers and files.
pub(crate) fn independent(n: usize, seed: u64) -> Vec<BidFacts> {
    let mut r = Mix(seed);
    (0..n)
        .map(|i| {
            let fen = 900_000_000 + (r.next() % 80_000_000) as i64;
            BidFacts {
                bid: format!("bid-{i:04}"),
                bidder: format!("bidder-{i:04}"),
                price: Some(Decimal::new(fen, 2)),
                document_digests: (0..5).map(|_| r.hex()).collect(),
                documents: (0..5)
                    .map(|k| DocumentMeta {
                        author: Some(format!("编制人{i}-{k}")),
                        creator: Some("WPS Office".into()),
                        created: Some(format!(
                            "2026-11-{:02}T{:02}:{:02}:{:02}+08:00",
                            1 + i % 28,
                            r.next() % 24,
                            r.next() % 60,
                            r.next() % 60
                        )),
                        modified: Some(format!(
                            "2026-12-01T{:02}:{:02}:{:02}+08:00",
                            r.next() % 24,
                            r.next() % 60,
                            r.next() % 60
                        )),
                        ..DocumentMeta::default()
                    })
                    .collect(),
                device: Some(Device {
                    mac: Some(r.hex()),
                    cpu: Some(r.hex()),
                    disk: Some(r.hex()),
                    board: Some(r.hex()),
                    pricing_dongle: Some(r.hex()),
                }),
                upload_addresses: vec![IpAddr::from([
                    10,
                    (i / 250) as u8,
                    (i % 250) as u8,
                    (1 + r.next() % 250) as u8,
                ])],
                bond_accounts: vec![format!("6222 0{:012}", r.next() % 1_000_000_000_000)],
                project_manager: Some(Person {
                    name: format!("项目经理{i}"),
                    id: Some(format!("鄂1422020{i:05}")),
                }),
            }
        })
        .collect()
}

fn kinds(s: &[Signal]) -> Vec<(SignalKind, Vec<&str>)> {
    s.iter()
        .map(|x| (x.kind, x.bids.iter().map(String::as_str).collect()))
        .collect()
}

#[test]
fn independent_bids_stay_quiet() {
    for seed in 1..20 {
        let bids = independent(200, seed);
        let got = signals(&bids, &Settings::default());
        assert!(got.is_empty(), "seed {seed}: {:?}", kinds(&got));
    }
    // Generic authors and the tender's own files are not evidence.
    let mut bids = independent(5, 7);
    let template = "ab".repeat(32);
    for b in &mut bids {
        b.documents[0].author = Some(" Administrator ".into());
        b.document_digests.push(template.clone());
    }
    let settings = Settings {
        public_digests: [template].into_iter().collect(),
        ..Settings::default()
    };
    assert!(signals(&bids, &settings).is_empty());
}

#[test]
fn planted_cases_are_found_with_their_evidence() {
    let mut bids = independent(12, 42);
    // Two bids from one machine (and the same pricing dongle).
    bids[2].device = bids[1].device.clone();
    // Bonds paid from one account, written differently.
    bids[4].bond_accounts = vec!["6222-0000 1111 2222".into()];
    bids[5].bond_accounts = vec!["622200001111 2222".into()];
    // Three prices in arithmetic progression, alone in their price range.
    bids[6].price = Some(dec!(8800000.00));
    bids[7].price = Some(dec!(8850000.00));
    bids[8].price = Some(dec!(8900000.00));
    // One document copied, with its metadata.
    bids[10].document_digests[3] = bids[9].document_digests[0].clone();
    bids[10].documents[3] = bids[9].documents[0].clone();
    // One manager named by two bids with his id, one name shared without ids.
    bids[11].project_manager = bids[3].project_manager.clone();
    bids[0].project_manager = Some(Person {
        name: "张伟".into(),
        id: None,
    });
    // One 张伟 without an id matches another with one; two 李娜 with different ids do not.
    bids[1].project_manager = Some(Person {
        name: " 张伟".into(),
        id: Some("鄂A1".into()),
    });
    bids[7].project_manager = Some(Person {
        name: "李娜".into(),
        id: Some("鄂B1".into()),
    });
    bids[8].project_manager = Some(Person {
        name: "李娜".into(),
        id: Some("鄂B2".into()),
    });
    let got = signals(&bids, &Settings::default());
    assert_eq!(
        kinds(&got),
        vec![
            (SignalKind::IdenticalDocument, vec!["bid-0009", "bid-0010"]),
            (
                SignalKind::IdenticalDocumentMetadata,
                vec!["bid-0009", "bid-0010"]
            ),
            (SignalKind::SameDevice, vec!["bid-0001", "bid-0002"]),
            (SignalKind::SamePricingDongle, vec!["bid-0001", "bid-0002"]),
            (SignalKind::SameBondAccount, vec!["bid-0004", "bid-0005"]),
            (SignalKind::SameProjectManager, vec!["bid-0003", "bid-0011"]),
            (SignalKind::SameDocumentAuthor, vec!["bid-0009", "bid-0010"]),
            (
                SignalKind::SameProjectManagerName,
                vec!["bid-0000", "bid-0001"]
            ),
            (
                SignalKind::PriceArithmeticProgression,
                vec!["bid-0006", "bid-0007", "bid-0008"]
            ),
        ]
    );
    let ap = got.last().unwrap();
    assert_eq!(ap.strength, Strength::Weak);
    assert_eq!(
        ap.evidence,
        "报价呈规律性差异（等差 50000）：8800000、8850000、8900000"
    );
    assert_eq!(ap.basis, "条例第40条第（四）项");
    let bond = got
        .iter()
        .find(|s| s.kind == SignalKind::SameBondAccount)
        .unwrap();
    assert_eq!(bond.evidence, "保证金付款账户相同：6222000011112222");
    assert_eq!(bond.strength, Strength::Strong);
}

#[test]
fn partial_devices_addresses_and_ratios() {
    let mut bids = independent(8, 3);
    // Only the MAC matches: a weak component signal, not a device.
    bids[1].device.as_mut().unwrap().mac = bids[0].device.as_ref().unwrap().mac.clone();
    // One address, but bids 4 and 5 uploaded from the trading centre's hall.
    bids[3].upload_addresses = bids[2].upload_addresses.clone();
    let hall: IpAddr = "192.168.8.17".parse().unwrap();
    bids[4].upload_addresses = vec![hall];
    bids[5].upload_addresses = vec!["192.168.8.200".parse().unwrap()];
    // Prices at a constant ratio of 1.02, rounded to the fen.
    bids[6].price = Some(dec!(7000000.00));
    bids[7].price = Some(dec!(7140000.00));
    bids[0].price = Some(dec!(7282800.00));
    let settings = Settings {
        shared_networks: vec![("192.168.8.0".parse().unwrap(), 24)],
        ..Settings::default()
    };
    let got = signals(&bids, &settings);
    assert_eq!(
        kinds(&got),
        vec![
            (
                SignalKind::SameDeviceComponent,
                vec!["bid-0000", "bid-0001"]
            ),
            (SignalKind::SameUploadAddress, vec!["bid-0002", "bid-0003"]),
            (
                SignalKind::PriceGeometricProgression,
                vec!["bid-0000", "bid-0006", "bid-0007"]
            ),
        ]
    );
    assert!(got[0].evidence.starts_with("机器部件相同：MAC "));
    assert!(got[2].evidence.contains("等比 1.02"), "{}", got[2].evidence);
}

#[test]
fn one_bidder_never_signals_against_itself_and_ties_are_identical_prices() {
    let mut bids = independent(4, 9);
    bids[1].bidder = bids[0].bidder.clone();
    bids[1].device = bids[0].device.clone();
    bids[1].price = bids[0].price;
    assert!(signals(&bids, &Settings::default()).is_empty());
    bids[3].price = bids[2].price;
    let got = signals(&bids, &Settings::default());
    assert_eq!(
        kinds(&got),
        vec![(SignalKind::IdenticalPrice, vec!["bid-0002", "bid-0003"])]
    );
}

#[test]
fn codes_are_stable() {
    let all = [
        SignalKind::IdenticalDocument,
        SignalKind::IdenticalDocumentMetadata,
        SignalKind::SameDocumentAuthor,
        SignalKind::SameDevice,
        SignalKind::SamePricingDongle,
        SignalKind::SameDeviceComponent,
        SignalKind::SameUploadAddress,
        SignalKind::SameBondAccount,
        SignalKind::SameProjectManager,
        SignalKind::SameProjectManagerName,
        SignalKind::IdenticalPrice,
        SignalKind::PriceArithmeticProgression,
        SignalKind::PriceGeometricProgression,
    ];
    for k in all {
        assert_eq!(
            serde_json::to_value(k).unwrap(),
            serde_json::json!(k.as_str())
        );
    }
}

#[test]
fn who_last_saved_a_file_and_its_company_are_compared_like_authors() {
    let mut bids = independent(4, 9);
    // One bid's author is who last saved another's file.
    bids[0].documents[1].author = Some("陈静".into());
    bids[2].documents[4].last_modified_by = Some(" 陈静 ".into());
    // Two bids' files registered to one company; a generic company says nothing.
    bids[1].documents[0].company = Some("某某建设有限公司".into());
    bids[3].documents[2].company = Some("某某建设有限公司".into());
    bids[0].documents[0].company = Some("Microsoft".into());
    bids[2].documents[0].company = Some("microsoft".into());
    let got = signals(&bids, &Settings::default());
    assert_eq!(
        kinds(&got),
        vec![
            (SignalKind::SameDocumentAuthor, vec!["bid-0000", "bid-0002"]),
            (SignalKind::SameDocumentAuthor, vec!["bid-0001", "bid-0003"]),
        ]
    );
    assert_eq!(got[0].evidence, "文件作者相同：陈静");
    assert_eq!(got[1].evidence, "文件所属单位相同：某某建设有限公司");
}

#[test]
fn signal_kinds_and_strengths_keep_their_stored_codes() {
    let mut codes = std::collections::BTreeSet::new();
    for k in SignalKind::ALL {
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        assert_eq!(SignalKind::parse(k.as_str()), Some(k));
        assert!(codes.insert(k.as_str()), "{} twice", k.as_str());
    }
    for s in [Strength::Strong, Strength::Weak] {
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        assert_eq!(Strength::parse(s.as_str()), Some(s));
    }
    assert_eq!(SignalKind::parse("Same_Device"), None);
    assert_eq!(Strength::parse("medium"), None);
}
