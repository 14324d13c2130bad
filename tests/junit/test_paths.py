"""Files, folders and glob patterns name the reports to read."""

from __future__ import annotations

from pathlib import Path

from practitest_async.junit import expand_paths, iter_results


def test_a_folder_means_every_xml_file_below_it_sorted(in_samples: Path) -> None:
    assert expand_paths("surefire") == [
        Path("surefire/target/surefire-reports/TEST-com.acme.shop.CartTest.xml"),
        Path("surefire/target/surefire-reports/TEST-com.acme.shop.CheckoutTest.xml"),
    ]  # Surefire's .txt summaries are not reports


def test_glob_patterns_including_double_star(in_samples: Path) -> None:
    assert expand_paths("pytest-*.xml") == [Path("pytest-xunit1.xml"), Path("pytest-xunit2.xml")]
    assert expand_paths("**/TEST-*.xml") == [
        Path("attachments/TEST-com.acme.shop.ui.CheckoutUiTest.xml"),
        Path("gradle/build/test-results/test/TEST-com.acme.shop.PriceTest.xml"),
        Path("surefire/target/surefire-reports/TEST-com.acme.shop.CartTest.xml"),
        Path("surefire/target/surefire-reports/TEST-com.acme.shop.CheckoutTest.xml"),
    ]


def test_files_keep_their_order_and_duplicates_are_dropped(in_samples: Path) -> None:
    assert expand_paths(["jest/junit.xml", "pytest-xunit2.xml", "jest", "./jest/junit.xml"]) == [
        Path("jest/junit.xml"),
        Path("pytest-xunit2.xml"),
    ]


def test_a_missing_file_is_kept_so_reading_it_reports_it(in_samples: Path) -> None:
    assert expand_paths(["nope.xml", "nothing-*.xml"]) == [Path("nope.xml")]


def test_a_file_named_twice_is_read_once(in_samples: Path) -> None:
    results = list(iter_results(["jest/junit.xml", "jest", "jest/*.xml"]))

    assert len(results) == 4


def test_absolute_paths_give_absolute_keys(in_samples: Path) -> None:
    [first, *_] = iter_results(in_samples / "jest")

    report = (in_samples / "jest/junit.xml").as_posix()
    assert first.key == f"{report}::cart::cart adds an item::cart adds an item::0"
