"""The pull's reading of Magento, inline against the sandbox: every order once, however many share one second
of ``updated_at``, however the run is cut into continuations, whatever changes while it reads; and a window
starting after the watermark does not move it over orders no run has read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import pytest
import redis

from connector_worker.redis_keys import RedisKeys
from connector_worker.runtime import Runtime
from connector_worker.watermarks import advance_watermark, read_watermark
from mappers.fields import ITEM_FIELDS, ORDER_SEARCH_SELECTION
from tasks.pull import PullOutcome, PullWindow, default_window, pull_orders
from tests.support.magento_sandbox import MagentoSandboxHandle
from tests.support.odoo_sandbox import OdooSandboxHandle
from tests.tasks.conftest import INSTANCE, make_settings

PAGE_SIZE = 5


@pytest.fixture
def small_pages(
    shop: MagentoSandboxHandle, odoo: OdooSandboxHandle, redis_url: str, key_prefix: str
) -> Iterator[Runtime]:
    """A runtime whose instance reads pages of five orders."""
    rt = Runtime(
        make_settings(shop, odoo, redis_url, key_prefix, page_size=PAGE_SIZE),
        redis.Redis.from_url(redis_url),
        RedisKeys(key_prefix),
    )
    try:
        yield rt
    finally:
        shop.control.resume_clock()
        rt.close()


def every_order(_: Runtime, __: str, orders: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    return orders


def crowded_second(shop: MagentoSandboxHandle, days_ahead: int, count: int) -> tuple[dt.datetime, list[int]]:
    """``count`` orders whose updated_at is one second, ``days_ahead`` days from now (after every other)."""
    moment = shop.control.freeze_clock(
        dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=days_ahead)
    )
    return moment, shop.control.create_orders(count, state="new")


def test_a_second_holding_more_orders_than_a_run_reads_is_finished_by_its_continuations(
    small_pages: Runtime, shop: MagentoSandboxHandle
) -> None:
    # given 23 orders in one second, and runs so short that each reads one page of 5 and hands over
    moment, created = crowded_second(shop, 30, 23)
    start = moment - dt.timedelta(minutes=10)  # a scheduled run: from the watermark less the overlap
    advance_watermark(small_pages.redis, small_pages.keys, INSTANCE, start)
    window = PullWindow(start, moment + dt.timedelta(minutes=30))
    handed: list[int] = []
    runs: list[PullOutcome] = []
    # when a run and its continuations read the window
    while len(runs) < 10:
        outcome = pull_orders(
            small_pages,
            INSTANCE,
            window,
            lambda orders: handed.extend(int(order["entity_id"]) for order in orders),
            budget_seconds=0.0,
            select=every_order,
        )
        runs.append(outcome)
        if outcome.resume_from is None:
            break
        window = PullWindow(outcome.resume_from, window.until, outcome.resume_after_id)
    # then every order of the second is handed over once, in five runs of one page each
    assert handed == sorted(created)
    assert [run.pages for run in runs] == [1] * 5
    assert read_watermark(small_pages.redis, small_pages.keys, INSTANCE) == moment


def test_an_order_changed_while_its_second_is_read_does_not_hide_the_next_one(
    small_pages: Runtime, shop: MagentoSandboxHandle
) -> None:
    # given 12 orders in one second, read five at a time
    moment, created = crowded_second(shop, 31, 12)
    window = PullWindow(moment, moment + dt.timedelta(minutes=30))
    handed: list[int] = []

    def dispatch(orders: Sequence[Mapping[str, Any]]) -> None:
        handed.extend(int(order["entity_id"]) for order in orders)
        if len(handed) == PAGE_SIZE:
            # when, while the first page is handed over, an order of it changes (its updated_at leaves
            # the window: an hour later)
            shop.control.freeze_clock(moment + dt.timedelta(hours=1))
            shop.control.touch(created[1])

    pull_orders(small_pages, INSTANCE, window, dispatch, select=every_order)
    # then no order behind it is skipped: all twelve are handed over, each once
    assert handed == sorted(created)


def test_a_window_starting_after_the_watermark_leaves_it_where_it_is(
    small_pages: Runtime, shop: MagentoSandboxHandle
) -> None:
    # given a watermark a week back, and orders made since
    moment, _ = crowded_second(shop, 40, 3)
    mark = moment - dt.timedelta(days=7)
    advance_watermark(small_pages.redis, small_pages.keys, INSTANCE, mark)
    window = PullWindow(moment - dt.timedelta(days=1), moment + dt.timedelta(minutes=30))
    # when an operator pulls only the last day (connector pull --since)
    handed: list[int] = []
    pull_orders(
        small_pages, INSTANCE, window, lambda o: handed.extend(x["entity_id"] for x in o), select=every_order
    )
    # then the day's orders come, and the watermark stays: the six days before were not read
    assert len(handed) == 3
    assert read_watermark(small_pages.redis, small_pages.keys, INSTANCE) == mark
    # while a window from the watermark on moves it
    pull_orders(small_pages, INSTANCE, PullWindow(mark, window.until), lambda o: None, select=every_order)
    assert read_watermark(small_pages.redis, small_pages.keys, INSTANCE) == moment


def test_an_instance_that_goes_live_on_a_date_starts_its_first_pull_there(
    shop: MagentoSandboxHandle, odoo: OdooSandboxHandle, redis_url: str, key_prefix: str
) -> None:
    # given orders made before and after an instance's go-live date, and no pull yet
    before, _ = crowded_second(shop, 50, 2)
    live = before + dt.timedelta(hours=1)
    after, made = crowded_second(shop, 51, 3)
    shop.control.resume_clock()
    rt = Runtime(
        make_settings(shop, odoo, redis_url, key_prefix, pull_history_from=live),
        redis.Redis.from_url(redis_url),
        RedisKeys(key_prefix),
    )
    try:
        # when the first pull runs from where its default window starts (the orders are in the sandbox's
        # future, so the window's end is set past them)
        start = default_window(rt, INSTANCE).start
        handed: list[int] = []
        window = PullWindow(start, after + dt.timedelta(minutes=30))
        pull_orders(
            rt, INSTANCE, window, lambda o: handed.extend(x["entity_id"] for x in o), select=every_order
        )
        # then it starts at the go-live date, reads what came after and nothing before, and moves the watermark
        assert start == live
        assert handed == sorted(made)
        assert read_watermark(rt.redis, rt.keys, INSTANCE) == after
    finally:
        rt.close()


def test_the_pull_asks_magento_only_for_the_fields_a_sync_reads(
    small_pages: Runtime, shop: MagentoSandboxHandle
) -> None:
    # given a few orders after every other
    moment, created = crowded_second(shop, 60, 3)
    shop.control.reset_requests()
    handed: list[Mapping[str, Any]] = []
    # when a run reads them
    pull_orders(
        small_pages,
        INSTANCE,
        PullWindow(moment, moment + dt.timedelta(minutes=1)),
        handed.extend,
        select=every_order,
    )
    # then the request carried the selection and each order handed to its sync holds just those fields
    searches = [parse_qsl(r.query) for r in shop.control.requests() if r.route == "V1/orders"]
    assert searches and all(("fields", ORDER_SEARCH_SELECTION) in query for query in searches)
    assert [int(order["entity_id"]) for order in handed] == created
    for order in handed:
        assert "payment" not in order and "base_grand_total" not in order
        assert set(order["items"][0]) <= {f if isinstance(f, str) else f[0] for f in ITEM_FIELDS}
        assert order["billing_address"]["country_id"]
