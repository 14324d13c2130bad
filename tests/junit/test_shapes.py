"""Each CI tool's report shape, read from a realistic sample, becomes the runs a person expects."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from practitest_async.batch import RunResult, Status
from practitest_async.junit import iter_results
from practitest_async.reports import key_path

PASSED, FAILED, NO_RUN = Status.PASSED, Status.FAILED, Status.NO_RUN


def table(results: list[RunResult]) -> list[tuple[str, Status, float | None]]:
    return [
        (r.name, r.status, None if r.duration is None else r.duration.total_seconds())
        for r in results
    ]


def by_name(results: list[RunResult]) -> dict[str, RunResult]:
    return {r.name: r for r in results}


def test_pytest_xunit1_names_statuses_durations_and_properties(in_samples: Path) -> None:
    results = list(iter_results("pytest-xunit1.xml"))

    assert table(results) == [
        ("tests.test_cart.test_add_item", PASSED, 0.002),
        ("tests.test_cart.test_total", FAILED, 0.004),
        ("tests.test_cart.test_discount[10-0.9]", PASSED, 0.001),
        ("tests.test_cart.test_remote_prices", NO_RUN, 0.0),
        ("tests.test_db.test_connect", FAILED, 1.021),
        ("tests.test_db.test_rounding", NO_RUN, 0.001),
    ]
    first = results[0]
    assert first.test_id == 4242
    assert first.custom_fields == {1001: "Smoke", 1002: ["web", "api"]}
    assert first.output is None
    # keyed by the resolved path: the same whichever way the path was typed
    assert (
        first.key == f"{key_path('pytest-xunit1.xml')}::pytest::tests.test_cart::test_add_item::0"
    )


def test_pytest_failure_output_carries_message_text_and_captured_output(in_samples: Path) -> None:
    results = by_name(list(iter_results("pytest-xunit1.xml")))

    assert results["tests.test_cart.test_total"].output == (
        "[failure] AssertionError: assert 3 == 4\n"
        " +  where 3 = total()\n"
        "def test_total():\n"
        ">       assert total() == 4\n"
        "E       AssertionError: assert 3 == 4\n"
        "E        +  where 3 = total()\n"
        "\n"
        "tests/test_cart.py:22: AssertionError\n"
        "\n"
        "[system-out]\n"
        "--------------------------------- Captured Log ---------------------------------\n"
        "INFO     shop.cart:cart.py:40 total of 2 items\n"
        "\n"
        "[system-err]\n"
        "DeprecationWarning: Cart.sum is deprecated"
    )
    error = results["tests.test_db.test_connect"].output
    assert error is not None
    assert error.startswith(
        '[error] failed on setup with "ConnectionRefusedError: [Errno 111] Connection refused"\n'
    )
    assert error.endswith("tests/conftest.py:9: ConnectionRefusedError")
    assert results["tests.test_cart.test_remote_prices"].output == (
        "[skipped] pytest.skip: needs network\n/home/ci/shop/tests/test_cart.py:42: needs network"
    )
    assert results["tests.test_db.test_rounding"].output == (
        "[skipped] pytest.xfail: known rounding bug #311"
    )


def test_pytest_xunit2_single_line_report(in_samples: Path) -> None:
    results = list(iter_results("pytest-xunit2.xml"))

    assert table(results) == [
        ("tests.test_login.test_login_ok", PASSED, 0.12),
        ("tests.test_login.test_login_locked", FAILED, 0.751),
        ("tests.test_login.test_login_sso", NO_RUN, 0.0),
    ]
    assert results[1].output == (
        "[failure] AssertionError: expected 423, got 200\n"
        "def test_login_locked(client):\n"
        '>       assert client.post("/login", json=LOCKED).status_code == 423\n'
        "E       AssertionError: expected 423, got 200\n"
        "\n"
        "tests/test_login.py:18: AssertionError"
    )


def test_surefire_folder_one_file_per_class_with_flaky_and_rerun_entries(
    in_samples: Path,
) -> None:
    results = list(iter_results("surefire/target/surefire-reports"))

    assert table(results) == [
        ("com.acme.shop.CartTest.addsItem", PASSED, 0.012),
        ("com.acme.shop.CartTest.rejectsNegativeQuantity", FAILED, 0.031),
        ("com.acme.shop.CartTest.loadsFromDatabase", FAILED, 0.2),
        ("com.acme.shop.CartTest.appliesCoupon", NO_RUN, 0.0),
        ("com.acme.shop.CheckoutTest.paysWithCard", PASSED, 0.35),
        ("com.acme.shop.CheckoutTest.shipsAbroad", FAILED, 0.72),
    ]
    named = by_name(results)
    # Passed on the rerun: PASSED, but the flaky attempt is kept for whoever reads the run.
    assert named["com.acme.shop.CheckoutTest.paysWithCard"].output == (
        "[flaky failure] org.opentest4j.AssertionFailedError: expected: <200> but was: <503>\n"
        "org.opentest4j.AssertionFailedError: expected: <200> but was: <503>\n"
        "\tat com.acme.shop.CheckoutTest.paysWithCard(CheckoutTest.java:58)\n"
        "[flaky failure system-out]\n"
        "POST /payments -> 503 Service Unavailable"
    )
    rerun = named["com.acme.shop.CheckoutTest.shipsAbroad"].output
    assert rerun is not None
    assert rerun.startswith("[failure] org.opentest4j.AssertionFailedError: expected: <DHL>")
    assert "\n\n[rerun failure] org.opentest4j.AssertionFailedError: expected: <DHL>" in rerun
    assert named["com.acme.shop.CartTest.loadsFromDatabase"].output == (
        "[error] java.net.ConnectException: Connection refused\n"
        "java.net.ConnectException: Connection refused\n"
        "\tat java.base/sun.nio.ch.Net.connect0(Native Method)\n"
        "\tat com.acme.shop.CartRepository.open(CartRepository.java:31)"
    )
    assert named["com.acme.shop.CartTest.appliesCoupon"].output == (
        "[skipped] coupon service not deployed in CI"
    )
    # Suite-level <properties> (the JVM's) are not the case's: no test id, no fields.
    assert all(r.test_id is None and r.custom_fields == {} for r in results)


def test_gradle_report_with_message_repeating_its_type(in_samples: Path) -> None:
    results = list(iter_results("gradle/build/test-results/test/*.xml"))

    assert table(results) == [
        ("com.acme.shop.PriceTest.roundsHalfUp()", PASSED, 0.011),
        ("com.acme.shop.PriceTest.[1] currency=EUR, amount=10.005", FAILED, 0.02),
        ("com.acme.shop.PriceTest.formatsYen()", NO_RUN, 0.0),
    ]
    assert results[1].output == (
        "[failure] org.opentest4j.AssertionFailedError: expected: <10.01> but was: <10.0>\n"
        "org.opentest4j.AssertionFailedError: expected: <10.01> but was: <10.0>\n"
        "\tat app//com.acme.shop.PriceTest.formats(PriceTest.java:33)"
    )
    assert results[2].output is None  # a bare <skipped/> has nothing to add to NO RUN


def test_jest_junit_classname_equal_to_name_is_not_repeated(in_samples: Path) -> None:
    results = list(iter_results("jest/junit.xml"))

    assert table(results) == [
        ("cart adds an item", PASSED, 0.004),
        ("cart rejects a negative quantity", FAILED, 0.011),
        ("cart applies a coupon", NO_RUN, 0.0),
        ("checkout pays by card", PASSED, 0.93),
    ]
    assert results[1].output == (
        "[failure]\n"
        "Error: expect(received).toThrow()\n"
        "\n"
        "Received function did not throw\n"
        "    at Object.toThrow (/home/ci/shop/src/cart.test.js:14:35)"
    )
    assert results[3].key == (
        f"{key_path('jest/junit.xml')}::checkout::checkout pays by card::checkout pays by card::0"
    )


def test_gotestsum_subtests_build_failure_and_rerun_of_the_same_test(in_samples: Path) -> None:
    results = list(iter_results("gotestsum/junit.xml"))

    assert table(results) == [
        ("github.com/acme/shop/cart.TestAdd", PASSED, 0.0),
        ("github.com/acme/shop/cart.TestAdd/negative_quantity", FAILED, 0.01),
        ("github.com/acme/shop/cart.TestCoupon", NO_RUN, 0.0),
        ("github.com/acme/shop/cart.TestCheckoutRetry", FAILED, 0.5),
        ("github.com/acme/shop/cart.TestCheckoutRetry", PASSED, 0.3),
        ("github.com/acme/shop/internal/db.TestMain", FAILED, 0.0),
    ]
    assert results[1].output == (
        "[failure] Failed\n"
        "=== RUN   TestAdd/negative_quantity\n"
        "    cart_test.go:42: got <nil>, want an error\n"
        "--- FAIL: TestAdd/negative_quantity (0.01s)"
    )
    assert results[2].output == (
        "[skipped] === RUN   TestCoupon\n"
        "    cart_test.go:60: coupon service not deployed\n"
        "--- SKIP: TestCoupon (0.00s)"
    )
    # gotestsum --rerun-fails repeats the case: each attempt keeps its own, stable key.
    prefix = (
        f"{key_path('gotestsum/junit.xml')}::github.com/acme/shop/cart::github.com/acme/shop/cart"
    )
    assert [r.key for r in results[3:5]] == [
        f"{prefix}::TestCheckoutRetry::0",
        f"{prefix}::TestCheckoutRetry::1",
    ]


def test_nested_suites_phpunit(in_samples: Path) -> None:
    results = list(iter_results("phpunit/junit.xml", name_template="{suite} > {name}"))

    assert table(results) == [
        (r"Acme\Shop\Tests\CartTest > testAddsItem", PASSED, 0.002),
        (
            r'Acme\Shop\Tests\CartTest::testDiscount > testDiscount with data set "ten percent"',
            PASSED,
            0.001,
        ),
        (
            r'Acme\Shop\Tests\CartTest::testDiscount > testDiscount with data set "bad code"',
            FAILED,
            0.026,
        ),
        # Back in the outer suite once the data-provider suite closed.
        (r"Acme\Shop\Tests\CartTest > testCoupon", NO_RUN, 0.0),
    ]
    assert results[2].output == (
        "[failure] PHPUnit\\Framework\\ExpectationFailedException\n"
        'Acme\\Shop\\Tests\\CartTest::testDiscount with data set "bad code"\n'
        "Failed asserting that 100.0 is identical to 90.0.\n"
        "\n"
        "/app/tests/CartTest.php:25\n"
        "\n"
        "[system-out]\n"
        "applying code BAD-CODE"
    )


def test_every_sample_shape_at_once_in_sorted_file_order(in_samples: Path) -> None:
    shapes = [
        "surefire/target/surefire-reports",
        "pytest-xunit2.xml",
        "jest/junit.xml",
        "gotestsum/junit.xml",
        "phpunit/junit.xml",
        "gradle/build",
        "pytest-xunit1.xml",
    ]
    results = list(iter_results(shapes))

    assert len(results) == 6 + 3 + 4 + 6 + 4 + 3 + 6
    files = list(dict.fromkeys(r.key.split("::")[0] for r in results if r.key))
    assert files == [
        key_path(f)
        for f in [
            "surefire/target/surefire-reports/TEST-com.acme.shop.CartTest.xml",
            "surefire/target/surefire-reports/TEST-com.acme.shop.CheckoutTest.xml",
            "pytest-xunit2.xml",
            "jest/junit.xml",
            "gotestsum/junit.xml",
            "phpunit/junit.xml",
            "gradle/build/test-results/test/TEST-com.acme.shop.PriceTest.xml",
            "pytest-xunit1.xml",
        ]
    ]
    keys = [r.key for r in results]
    assert len(set(keys)) == len(keys)
    assert all(isinstance(r.duration, dt.timedelta) for r in results)
