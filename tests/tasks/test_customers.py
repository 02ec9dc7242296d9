"""Customers of a page of orders, inline against both sandboxes: a handful of RPCs per page, one contact per
e-mail, and an e-mail another worker is creating left for later without holding up the rest."""

from __future__ import annotations

import copy
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis

from connector_worker.errors import LockBusyError
from connector_worker.locks import RedisLock
from connector_worker.redis_keys import RedisKeys
from connector_worker.runtime import Runtime
from mappers.partner import normalize_email
from tasks.resolve import Resolver, UnknownSkuError
from tests.support.magento_sandbox import MagentoSandboxHandle
from tests.support.odoo_sandbox import OdooSandboxHandle
from tests.tasks.conftest import INSTANCE


def shop_orders(shop: MagentoSandboxHandle) -> list[dict[str, Any]]:
    return [copy.deepcopy(shop.control.order(entity_id)) for entity_id in shop.control.order_ids()]


def head_contacts(odoo: OdooSandboxHandle) -> Counter[str]:
    heads = odoo.read("res.partner", [("parent_id", "=", False)], ["email_normalized"])
    return Counter(row["email_normalized"] for row in heads if row["email_normalized"])


def partner_calls(odoo: OdooSandboxHandle) -> int:
    return odoo.calls(model="res.partner")


def test_a_page_of_new_customers_costs_a_few_calls_not_one_per_order(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given a page of orders whose customers Odoo does not know
    orders = shop_orders(shop)
    emails = {normalize_email(order["customer_email"]) for order in orders}
    assert len(orders) >= 20 and not set(head_contacts(odoo)) & emails
    odoo.reset_calls()
    # when the pull prefetches them
    found = Resolver(runtime, runtime.instance(INSTANCE)).prefetch(orders)
    # then every order has its customer and addresses (the legacy order's SKU aside), each e-mail one
    # contact, in a few calls
    assert set(found.partners) == {int(order["entity_id"]) for order in orders}
    assert [type(error) for error in found.errors.values()] == [UnknownSkuError]
    contacts = head_contacts(odoo)
    assert {email: contacts[email] for email in emails} == dict.fromkeys(emails, 1)
    assert partner_calls(odoo) <= 5, odoo.call_log()
    for entity_id, (partner, invoice, delivery) in found.partners.items():
        [row] = odoo.read("res.partner", [("id", "=", invoice)], ["parent_id", "type"])
        assert (row["parent_id"][0], row["type"]) == (partner, "invoice"), entity_id
        if delivery != invoice:  # a virtual order is delivered to its billing address
            [row] = odoo.read("res.partner", [("id", "=", delivery)], ["parent_id", "type"])
            assert (row["parent_id"][0], row["type"]) == (partner, "delivery"), entity_id
    # and a second look at the same page costs no customer call at all (the Redis caches; only the
    # unknown SKU is searched again, in case it was created meanwhile)
    odoo.reset_calls()
    again = Resolver(runtime, runtime.instance(INSTANCE)).prefetch(orders)
    assert again.partners == found.partners
    assert partner_calls(odoo) == 0
    assert odoo.calls() == odoo.calls(model="product.product", method="search_read") == 1


def test_orders_sharing_a_new_email_get_one_contact_and_an_address_each(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given two orders on one page by the same new customer, the second with its e-mail in capitals
    # and another billing street
    first, second, *_ = shop_orders(shop)
    second["customer_email"] = first["customer_email"].upper()
    second["billing_address"]["street"] = ["1 Other Street"]
    # when their customers are resolved
    found = Resolver(runtime, runtime.instance(INSTANCE)).prefetch([first, second])
    # then one contact holds both orders, with a billing address for each street
    one, two = found.partners[int(first["entity_id"])], found.partners[int(second["entity_id"])]
    assert one[0] == two[0]
    assert head_contacts(odoo)[normalize_email(first["customer_email"])] == 1
    assert one[1] != two[1]
    [row] = odoo.read("res.partner", [("id", "=", two[1])], ["parent_id", "type", "street"])
    assert (row["parent_id"][0], row["type"], row["street"]) == (one[0], "invoice", "1 Other Street")


def test_known_customers_with_new_addresses_cost_one_search_and_one_create(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given customers Odoo knows (but not from this worker's caches) who now order to new addresses
    orders = shop_orders(shop)[:8]
    Resolver(runtime, runtime.instance(INSTANCE)).prefetch(orders)
    for key in runtime.redis.scan_iter(match=f"{runtime.keys.prefix}*"):
        runtime.redis.delete(key)
    for index, order in enumerate(orders):
        order["billing_address"]["street"] = [f"{index} New Street"]
    odoo.reset_calls()
    # when their customers are resolved again
    found = Resolver(runtime, runtime.instance(INSTANCE)).prefetch(orders)
    # then the contacts are found in one search, the addresses in one more, and made in one create
    assert odoo.calls(model="res.partner", method="search_read") == 2, odoo.call_log()
    assert odoo.calls(model="res.partner", method="create") == 1
    assert partner_calls(odoo) == 3
    assert all(count == 1 for count in head_contacts(odoo).values())
    streets = {
        row["id"]: row["street"] for row in odoo.read("res.partner", [("type", "=", "invoice")], ["street"])
    }
    for index, order in enumerate(orders):
        assert streets[found.partners[int(order["entity_id"])][1]] == f"{index} New Street"


def test_a_customer_another_worker_is_creating_is_left_for_later_and_the_rest_resolved(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given another worker holding the lock of one new customer's e-mail
    orders = shop_orders(shop)[:6]
    busy = normalize_email(orders[0]["customer_email"])
    holder = RedisLock(runtime.redis, runtime.keys.lock(f"partner:{busy}"))
    assert holder.acquire()
    try:
        # when the page is resolved, waiting a moment for that lock
        found = Resolver(runtime, runtime.instance(INSTANCE), lock_wait_seconds=0.3).prefetch(orders)
    finally:
        holder.release()
    # then that customer's orders come back busy (a transient error), and nobody created it
    busy_orders = {int(o["entity_id"]) for o in orders if normalize_email(o["customer_email"]) == busy}
    assert {e for e, err in found.errors.items() if isinstance(err, LockBusyError)} == busy_orders
    assert busy not in head_contacts(odoo)
    # while every other order got its customer
    others = {int(o["entity_id"]) for o in orders} - busy_orders
    assert others <= set(found.partners) | {e for e in found.errors if e not in busy_orders}
    assert set(found.partners) & busy_orders == set()


def test_two_workers_bringing_the_same_new_address_create_it_once(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle, redis_url: str, key_prefix: str
) -> None:
    # given a known customer whose next order goes to a new billing street, seen by two workers at once,
    # with Odoo slow to create it (so both would search before either has created it)
    [order] = shop_orders(shop)[:1]
    workers = [runtime, Runtime(runtime.settings, redis.Redis.from_url(redis_url), RedisKeys(key_prefix))]
    for worker in workers:
        [(partner, _, _)] = Resolver(worker, worker.instance(INSTANCE)).prefetch([order]).partners.values()
    order["billing_address"]["street"] = ["9 Race Street"]
    odoo.add_latency(300, model="res.partner", method="create")
    start = threading.Barrier(len(workers))

    def resolve(worker: Runtime) -> Any:
        start.wait()
        return Resolver(worker, worker.instance(INSTANCE)).prefetch([order])

    try:
        with ThreadPoolExecutor(len(workers)) as pool:
            found = list(pool.map(resolve, workers))
    finally:
        odoo.clear_faults()
        workers[1].close()
    # then both orders hold the same address, and the customer has it once
    assert [f.errors for f in found] == [{}, {}]
    assert found[0].partners == found[1].partners
    rows = odoo.read("res.partner", [("parent_id", "=", partner), ("street", "=", "9 Race Street")], ["type"])
    assert [row["type"] for row in rows] == ["invoice"]


def test_a_customer_whose_addresses_another_worker_is_creating_is_left_for_later(
    runtime: Runtime, shop: MagentoSandboxHandle, odoo: OdooSandboxHandle
) -> None:
    # given a known customer with a new billing street, and another worker creating that customer's addresses
    [order] = shop_orders(shop)[:1]
    [(partner, _, _)] = Resolver(runtime, runtime.instance(INSTANCE)).prefetch([order]).partners.values()
    order["billing_address"]["street"] = ["10 Later Street"]
    holder = RedisLock(runtime.redis, runtime.keys.lock(f"address:{partner}"))
    assert holder.acquire()
    try:
        # when the order is resolved, waiting a moment for that lock
        found = Resolver(runtime, runtime.instance(INSTANCE), lock_wait_seconds=0.3).prefetch([order])
    finally:
        holder.release()
    # then the order comes back busy (a transient error) and no address was made for it
    assert [type(error) for error in found.errors.values()] == [LockBusyError]
    assert found.partners == {}
    assert odoo.read("res.partner", [("street", "=", "10 Later Street")], ["id"]) == []
    # and once the lock is free the order gets its address
    again = Resolver(runtime, runtime.instance(INSTANCE)).prefetch([order])
    [(_, invoice, _)] = again.partners.values()
    assert odoo.read("res.partner", [("street", "=", "10 Later Street")], ["id"]) == [{"id": invoice}]
