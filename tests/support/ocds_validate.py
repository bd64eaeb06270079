#!/usr/bin/env python3
"""Validate an OCDS release package offline with libcoveocds; exit non-zero on any error.

Usage:
    python3 tests/support/ocds_validate.py PACKAGE.json --standard-zip shared/ocds/standard-1__1__5.zip

libcoveocds itself exits 0 even when the data is invalid, and without a local standard ZIP it
downloads the schema from the internet; this wrapper always passes the ZIP (as a file:// URL, like
the libcoveocds CLI's --standard-zip) and turns the report into an exit code:

* 1 if there are `validation_errors`, values outside a closed codelist, extensions that could not
  be loaded, or (unless --allow-additional-fields) undeclared or deprecated fields;
* 2 if libcoveocds is missing or the inputs cannot be read;
* 0 otherwise. Values added to *open* codelists are printed but allowed, as the standard allows.

The bids extension (`bids.details`, `awards[].relatedBids`), which award releases declare, cannot
be fetched offline: when a package declares it and the fetch fails, its fields are not counted as
undeclared, and `check_bids` checks them here instead (the fields' types, the closed `bidStatus`
codelist, references to `parties` and to the bids).

Needs `pip install libcoveocds` (tested with 0.17.0).
"""

import argparse
import json
import numbers
import os
import sys

BID_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"
)
# The extension's fields, as libcoveocds reports them when it could not load the extension.
BID_FIELDS = {("/releases", "bids"), ("/releases/awards", "relatedBids")}
# The extension's closed bidStatus codelist.
BID_STATUS = {"invited", "pending", "valid", "disqualified", "withdrawn"}


def check_bids(data):
    """Problems with the bids-extension fields of every release (empty when they are sound)."""
    problems = []
    for n, release in enumerate(data.get("releases") or []):
        parties = {p.get("id") for p in release.get("parties") or []}
        bids = release.get("bids")
        ids = set()
        if bids is not None:
            details = bids.get("details") if isinstance(bids, dict) else None
            if not isinstance(details, list):
                problems.append(f"releases/{n}/bids: details must be an array")
                details = []
            for i, b in enumerate(details):
                where = f"releases/{n}/bids/details/{i}"
                if not isinstance(b.get("id"), str) or not b["id"]:
                    problems.append(f"{where}: id must be a non-empty string")
                ids.add(b.get("id"))
                if b.get("status") not in BID_STATUS:
                    problems.append(f"{where}: status {b.get('status')!r} is not in bidStatus")
                for t in b.get("tenderers") or []:
                    if t.get("id") not in parties or not isinstance(t.get("name"), str):
                        problems.append(f"{where}: tenderer {t.get('id')!r} is not in parties")
                value = b.get("value")
                if value is not None and (
                    not isinstance(value.get("amount"), numbers.Number)
                    or not isinstance(value.get("currency"), str)
                ):
                    problems.append(f"{where}: value needs a numeric amount and a currency")
                unknown = set(b) - {"id", "date", "status", "tenderers", "value", "documents"}
                if unknown:
                    problems.append(f"{where}: fields the extension does not declare: {sorted(unknown)}")
        for j, award in enumerate(release.get("awards") or []):
            related = award.get("relatedBids")
            if related is None:
                continue
            if not isinstance(related, list) or any(r not in ids for r in related):
                problems.append(f"releases/{n}/awards/{j}: relatedBids must name bids of the release")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", help="release package JSON file")
    parser.add_argument("--standard-zip", required=True, help="ZIP of open-contracting/standard at the tag in use")
    parser.add_argument("--schema-version", default="1.1", help="major.minor schema version (default 1.1)")
    parser.add_argument(
        "--allow-additional-fields", action="store_true", help="do not fail on undeclared or deprecated fields"
    )
    args = parser.parse_args()

    try:
        from libcoveocds.api import ocds_json_output
        from libcoveocds.config import LibCoveOCDSConfig
    except ImportError as e:
        print(f"ocds_validate: libcoveocds is not installed ({e}); pip install libcoveocds", file=sys.stderr)
        return 2

    zip_path = os.path.abspath(args.standard_zip)
    if not os.path.isfile(zip_path):
        print(f"ocds_validate: no standard ZIP at {zip_path}", file=sys.stderr)
        return 2
    try:
        with open(args.package, "rb") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        print(f"ocds_validate: cannot read {args.package}: {e}", file=sys.stderr)
        return 2

    config = LibCoveOCDSConfig()
    config.config["standard_zip"] = f"file://{zip_path}"
    config.config["context"] = "api"
    result = ocds_json_output(
        "", args.package, args.schema_version, json_data=data, lib_cove_ocds_config=config
    )

    invalid_extensions = (result.get("extensions") or {}).get("invalid_extensions") or []
    additional = result.get("additional_fields") or []
    bids_offline = BID_EXTENSION in (data.get("extensions") or []) and any(
        e[0] == BID_EXTENSION for e in invalid_extensions
    )
    bid_problems = []
    if bids_offline:
        invalid_extensions = [e for e in invalid_extensions if e[0] != BID_EXTENSION]
        additional = [f for f in additional if (f.get("path"), f.get("field")) not in BID_FIELDS]
        bid_problems = check_bids(data)
        print("note: the bids extension is not reachable offline; its fields were checked here")
    problems = {
        "validation_errors": result.get("validation_errors") or [],
        "additional_closed_codelist_values": result.get("additional_closed_codelist_values") or {},
        "invalid_extensions": invalid_extensions,
        "bids_extension": bid_problems,
    }
    if not args.allow_additional_fields:
        problems["additional_fields"] = additional
        problems["deprecated_fields"] = result.get("deprecated_fields") or []
    failing = {k: v for k, v in problems.items() if v}

    open_values = result.get("additional_open_codelist_values") or {}
    if open_values:
        print("note: values added to open codelists (allowed):")
        print(json.dumps(open_values, indent=1, ensure_ascii=False, default=list))

    summary = f"{args.package}: {result.get('count', 0)} release(s), schema {result.get('version_used')}"
    if failing:
        print(json.dumps(failing, indent=1, ensure_ascii=False, default=list))
        print(f"FAIL {summary}: " + ", ".join(f"{k}={len(v)}" for k, v in failing.items()))
        return 1
    print(f"OK {summary}: 0 validation errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
