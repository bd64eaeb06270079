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

Needs `pip install libcoveocds` (tested with 0.17.0).
"""

import argparse
import json
import os
import sys


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

    problems = {
        "validation_errors": result.get("validation_errors") or [],
        "additional_closed_codelist_values": result.get("additional_closed_codelist_values") or {},
        "invalid_extensions": (result.get("extensions") or {}).get("invalid_extensions") or [],
    }
    if not args.allow_additional_fields:
        problems["additional_fields"] = result.get("additional_fields") or []
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
