"""Stories of Magento orders becoming one ``sale.order`` create call whose total is Magento's to the cent."""

from __future__ import annotations

import json
import xmlrpc.client
from decimal import Decimal
from typing import Any

import pytest

from config.settings import InstanceOptions
from mappers import (
    MappingError,
    ProductKey,
    TaxKey,
    context_plan,
    magento_order_to_odoo,
    plan_lines,
    plan_taxes,
    required_currency,
    required_products,
    required_taxes,
)
from mappers.money import ROUND_GLOBALLY, ROUND_PER_LINE, TaxedLine, odoo_totals
from tests.mappers import payloads
from tests.mappers.contexts import (
    ADJUSTMENT_PRODUCT,
    DISCOUNT_PRODUCT,
    SHIPPING_PRODUCT,
    odoo_total_of,
    resolved_context,
)

D = Decimal


def lines_of(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for _, _, line in values["order_line"]]


def test_a_registered_us_order_becomes_one_sale_order_with_its_magento_fields() -> None:
    # given a processing order of a registered customer: a configurable hoodie and two duffle bags
    order = payloads.us_configurable_order()
    ctx = resolved_context(order)
    # when it is mapped
    mapping = magento_order_to_odoo(order, ctx)
    # then the order carries the partner, the Magento keys and the status fields
    values = mapping.values
    assert values["partner_id"] == 40
    assert (values["partner_invoice_id"], values["partner_shipping_id"]) == (41, 42)
    assert values["client_order_ref"] == "000000003"
    assert values["origin"] == "Magento luma #000000003"
    assert values["date_order"] == values["magento_order_date"] == "2024-05-01 10:00:00"
    assert values["magento_instance_id"] == 1
    assert values["magento_order_id"] == "3"
    assert values["magento_increment_id"] == "000000003"
    assert values["magento_state"] == "new" and values["magento_status"] == "pending"
    assert values["magento_amount"] == 144.90
    assert values["magento_paid"] == "not_paid"
    assert values["magento_invoice_status"] == "not_invoiced"
    assert values["magento_on_hold"] is False
    assert values["magento_amount_mismatch"] is False
    assert values["magento_sync_date"] == "2024-05-01 10:05:30"
    assert values["magento_sync_error"] is False
    assert "pricelist_id" not in values  # company currency
    # and the lines are the variant (not the configurable), the duffle bags and the shipping
    hoodie, duffle, shipping = lines_of(values)
    variant = ProductKey("MH01-S-Gray", 56)
    tax_id = ctx.taxes[TaxKey(D("8.25"), False)]
    assert hoodie == {
        "product_id": ctx.products[variant],
        "name": "Chaz Kangeroo Hoodie-S-Gray",
        "product_uom_qty": 1.0,
        "price_unit": 52.0,
        "tax_ids": [[6, 0, [tax_id]]],
        "sequence": 10,
    }
    assert (duffle["product_uom_qty"], duffle["price_unit"], duffle["tax_ids"]) == (
        2.0,
        34.0,
        [[6, 0, [tax_id]]],
    )
    assert shipping["product_id"] == SHIPPING_PRODUCT
    assert (shipping["name"], shipping["price_unit"], shipping["tax_ids"]) == (
        "Flat Rate - Fixed",
        15.0,
        [[6, 0, []]],
    )
    # and Odoo's total is Magento's grand_total without any adjustment
    assert (mapping.magento_total, mapping.predicted_total, mapping.adjustment) == (
        D("144.90"),
        D("144.90"),
        0,
    )
    assert odoo_total_of(values, ctx) == D("144.90")


def test_the_values_survive_json_and_xml_rpc_without_none_or_decimal() -> None:
    order = payloads.nyc_rule_discount_order()
    values = magento_order_to_odoo(order, resolved_context(order)).values
    assert json.loads(json.dumps(values)) == values
    xmlrpc.client.dumps((values,), allow_none=False)  # raises on None, Decimal, datetime


def test_a_guest_tutorial_order_maps_configurables_to_variants_and_a_dynamic_bundle_to_its_children() -> None:
    # given the docs' tutorial order: two configurables, a simple and a dynamic bundle, no tax
    order = payloads.tutorial_guest_order()
    ctx = resolved_context(order)
    mapping = magento_order_to_odoo(order, ctx)
    lines = lines_of(mapping.values)
    # then the bundle's four children are lines of their own and the bundle parent is not
    assert [line["price_unit"] for line in lines] == [22.0, 18.0, 27.0, 5.0, 17.0, 19.0, 52.0, 20.0]
    assert lines[2]["name"] == "Sprite Yoga Companion Kit: Sprite Stasis Ball 65 cm"
    assert required_products(order) == [
        ProductKey("WS12-M-Orange", 1541),
        ProductKey("24-WG085", 33),
        ProductKey("24-WG082-blue", 28),
        ProductKey("24-WG084", 30),
        ProductKey("24-WG086", 34),
        ProductKey("24-WG088", 36),
        ProductKey("MH01-S-Gray", 56),
    ]
    assert all(line["tax_ids"] == [[6, 0, []]] for line in lines)
    assert mapping.predicted_total == mapping.magento_total == D(180)


def test_a_fixed_bundle_is_one_line_and_free_shipping_adds_no_line() -> None:
    order = payloads.fixed_bundle_order()
    ctx = resolved_context(order)
    lines = lines_of(magento_order_to_odoo(order, ctx).values)
    assert len(lines) == 1
    assert lines[0]["product_id"] == ctx.products[ProductKey("KIT-START-24-UG01-24-UG02", 90)]
    assert lines[0]["price_unit"] == 120.0


def test_a_coupon_becomes_a_discount_line_taxed_like_the_discounted_items() -> None:
    # given SAVE20 on 2 × 49.99 at 8.25 % with tax applied after discount (grand_total 96.58)
    order = payloads.coupon_order()
    ctx = resolved_context(order)
    mapping = magento_order_to_odoo(order, ctx)
    watch, shipping, discount = lines_of(mapping.values)
    # then the discount is one line carrying the same tax, so Odoo taxes 79.98 as Magento did
    assert discount["product_id"] == DISCOUNT_PRODUCT
    assert (discount["name"], discount["price_unit"]) == ("Discount (SAVE20)", -20.0)
    assert discount["tax_ids"] == watch["tax_ids"]
    assert shipping["name"] == "Best Way - Table Rate"
    assert mapping.adjustment == 0 and odoo_total_of(mapping.values, ctx) == D("96.58")


def test_a_one_cent_rounding_difference_gets_an_untaxed_adjustment_line() -> None:
    # given NYC 8.875 % where Magento rounds shipping tax on its own (10.38 + 0.88) and Odoo once (11.27)
    order = payloads.nyc_rule_discount_order()
    ctx = resolved_context(order)
    mapping = magento_order_to_odoo(order, ctx)
    lines = lines_of(mapping.values)
    # then the combined rate is one tax, shipping is taxed with it, the rule label names the discount
    tax_ids = [[6, 0, [ctx.taxes[TaxKey(D("8.875"), False)]]]]
    assert [line["tax_ids"] for line in lines[:4]] == [tax_ids] * 4
    assert lines[3]["name"] == "Discount (Spring sale)" and lines[3]["price_unit"] == -13.0
    # and an untaxed line of exactly -0.01 brings Odoo's 138.22 to Magento's 138.21
    adjustment = lines[4]
    assert adjustment["product_id"] == ADJUSTMENT_PRODUCT
    assert (adjustment["name"], adjustment["price_unit"]) == ("Rounding difference (Magento)", -0.01)
    assert adjustment["tax_ids"] == [[6, 0, []]]
    assert (mapping.adjustment, mapping.mismatch) == (D("-0.01"), False)
    assert mapping.predicted_total == D("138.21") == odoo_total_of(mapping.values, ctx)


def test_a_company_rounding_per_line_gets_the_discount_on_each_line() -> None:
    # given the NYC order in an Odoo company that rounds taxes per line
    order = payloads.nyc_rule_discount_order()
    ctx = resolved_context(order, rounding_method=ROUND_PER_LINE)
    mapping = magento_order_to_odoo(order, ctx)
    tee, pack, shipping = lines_of(mapping.values)
    # then the 10 % is the lines' own discount, so each line is taxed on Magento's row base:
    # 45.00 → 3.99, 72.00 → 6.39, shipping 9.95 → 0.88: 11.26 as in Magento, nothing to adjust
    assert (tee["discount"], pack["discount"]) == (10.0, 10.0) and "discount" not in shipping
    assert mapping.adjustment == 0
    assert odoo_total_of(mapping.values, ctx) == D("138.21")
    # whereas one discount line would have added its own rounding: 4.44 + 7.10 + 0.88 − 1.15 = 11.27
    lines = [
        TaxedLine(D(25), D(2), (TaxKey(D("8.875"), False),)),
        TaxedLine(D(80), D(1), (TaxKey(D("8.875"), False),)),
        TaxedLine(D("9.95"), D(1), (TaxKey(D("8.875"), False),)),
        TaxedLine(D(-13), D(1), (TaxKey(D("8.875"), False),)),
    ]
    assert odoo_totals(lines, ROUND_PER_LINE).tax == D("11.27")


def test_a_difference_above_the_tolerance_is_flagged_not_hidden() -> None:
    # given the NYC order and an instance that tolerates no difference at all
    order = payloads.nyc_rule_discount_order()
    ctx = resolved_context(order, options=InstanceOptions(amount_tolerance=D(0)))
    mapping = magento_order_to_odoo(order, ctx)
    # then no adjustment line is added and the order is flagged
    assert mapping.mismatch is True and mapping.adjustment == 0
    assert mapping.values["magento_amount_mismatch"] is True
    assert mapping.predicted_total == D("138.22") and mapping.magento_total == D("138.21")
    assert all(line["product_id"] != ADJUSTMENT_PRODUCT for line in lines_of(mapping.values))


def test_an_unknown_fee_in_grand_total_is_a_mismatch() -> None:
    # given a third-party fee of 4.50 in grand_total under an attribute the connector does not know
    order = payloads.order(
        12,
        "000000012",
        [payloads.item(1, "24-MB01", "Joust Duffle Bag", 1, 34, product_id=1)],
        extra_total=D("4.50"),
    )
    order["extension_attributes"]["mageworx_fee_amount"] = D("4.50")
    mapping = magento_order_to_odoo(order, resolved_context(order))
    assert mapping.mismatch is True
    assert (mapping.magento_total, mapping.predicted_total) == (D("38.50"), D("34.00"))


def test_a_vat_inclusive_catalogue_keeps_gross_prices_and_included_taxes() -> None:
    # given a UK store with prices including 20 % VAT and a coupon applied to gross prices
    order = payloads.uk_vat_inclusive_order()
    ctx = resolved_context(order)
    mapping = magento_order_to_odoo(order, ctx)
    jacket, roller, shipping, discount = lines_of(mapping.values)
    included = [[6, 0, [ctx.taxes[TaxKey(D(20), True)]]]]
    # then lines show the shelf prices with the included tax, the discount is the gross 13.50
    assert (jacket["price_unit"], roller["price_unit"], shipping["price_unit"]) == (55.0, 24.99, 4.99)
    assert discount["price_unit"] == -13.5 and discount["name"] == "Discount (WELCOME10)"
    assert all(line["tax_ids"] == included for line in (jacket, roller, shipping, discount))
    assert mapping.values["pricelist_id"] == 8
    # and the total is the gross sum, to the cent, with nothing to adjust
    assert mapping.adjustment == 0 and odoo_total_of(mapping.values, ctx) == D("126.48")
    assert required_taxes(order, ctx.options) == {TaxKey(D(20), True)}


def test_an_inclusive_store_forced_to_exclusive_prices_still_reconciles() -> None:
    # given the same order on an instance configured prices_include_tax = "no"
    order = payloads.uk_vat_inclusive_order()
    options = InstanceOptions(prices_include_tax="no")
    ctx = resolved_context(order, options=options)
    mapping = magento_order_to_odoo(order, ctx)
    jacket = lines_of(mapping.values)[0]
    # then the net price (45.8333 → 45.83) carries an excluded tax and the cent lost goes to adjustment
    assert jacket["price_unit"] == 45.83
    assert jacket["tax_ids"] == [[6, 0, [ctx.taxes[TaxKey(D(20), False)]]]]
    assert mapping.adjustment == D("0.01") and odoo_total_of(mapping.values, ctx) == D("126.48")


def test_auto_detection_reads_exclusive_prices_as_exclusive() -> None:
    order = payloads.us_configurable_order()
    assert required_taxes(order, InstanceOptions()) == {TaxKey(D("8.25"), False)}
    assert required_taxes(order, InstanceOptions(prices_include_tax="yes")) == {TaxKey(D("8.25"), True)}


def test_an_order_in_a_second_currency_uses_order_amounts_and_its_pricelist() -> None:
    # given an order charged in SAR on a USD base (base_to_order_rate 3.75)
    order = payloads.sar_order()
    ctx = resolved_context(order)
    mapping = magento_order_to_odoo(order, ctx)
    # then prices are the SAR amounts, the SAR pricelist sets the currency, totals are SAR
    assert required_currency(order) == "SAR"
    assert mapping.values["pricelist_id"] == 7
    assert [line["price_unit"] for line in lines_of(mapping.values)] == [221.25, 18.75]
    assert mapping.magento_total == D("276.00") == odoo_total_of(mapping.values, ctx)
    assert mapping.values["magento_amount"] == 276.0


def test_an_order_in_a_second_currency_without_pricelist_is_refused() -> None:
    order = payloads.sar_order()
    with pytest.raises(MappingError, match="SAR") as error:
        magento_order_to_odoo(order, resolved_context(order, pricelist_id=None))
    assert error.value.field == "order_currency_code"


def test_a_cash_on_delivery_surcharge_is_a_line_named_after_its_attribute() -> None:
    # given a COD surcharge of 5 added unconverted to grand_total (reference §7)
    order = payloads.sar_order(surcharge=True)
    ctx = resolved_context(order)
    mapping = magento_order_to_odoo(order, ctx)
    surcharge = lines_of(mapping.values)[-1]
    assert surcharge["name"] == "Payment surcharge (payment_surcharge_amount)"
    assert (surcharge["price_unit"], surcharge["tax_ids"]) == (5.0, [[6, 0, []]])
    assert surcharge["product_id"] == ADJUSTMENT_PRODUCT
    assert mapping.adjustment == 0 and odoo_total_of(mapping.values, ctx) == D("281.00")


def test_a_hundred_percent_coupon_with_free_shipping_is_a_paid_zero_order() -> None:
    order = payloads.free_order()
    ctx = resolved_context(order)
    mapping = magento_order_to_odoo(order, ctx)
    band, discount = lines_of(mapping.values)
    assert (band["price_unit"], discount["price_unit"]) == (29.0, -29.0)
    assert mapping.predicted_total == 0 == mapping.magento_total
    assert mapping.values["magento_paid"] == "paid"
    assert mapping.values["magento_invoice_status"] == "invoiced"


def test_a_virtual_order_has_no_shipping_line() -> None:
    order = payloads.virtual_order()
    lines = lines_of(magento_order_to_odoo(order, resolved_context(order)).values)
    assert [line["name"] for line in lines] == ["Luma Yoga For Life"]


def test_a_raw_json_payload_with_floats_and_string_dates_maps_the_same() -> None:
    # given the payload as plain JSON (floats, "Y-m-d H:i:s" strings), e.g. from a webhook body
    order = payloads.nyc_rule_discount_order()
    raw = payloads.as_wire_json(order)
    assert isinstance(raw["grand_total"], float) and isinstance(raw["created_at"], str)
    # when both are mapped with the same context
    ctx = resolved_context(order)
    # then the values are identical
    assert magento_order_to_odoo(raw, ctx).values == magento_order_to_odoo(order, ctx).values


def test_a_product_the_resolver_did_not_find_names_the_sku() -> None:
    order = payloads.coupon_order()
    with pytest.raises(MappingError, match="24-WG02") as error:
        magento_order_to_odoo(order, resolved_context(order, products={}))
    assert error.value.field == "items[sku=24-WG02]"


def test_a_tax_the_resolver_did_not_find_names_the_rate() -> None:
    order = payloads.coupon_order()
    with pytest.raises(MappingError, match=r"8\.25 % \(excluded\)"):
        magento_order_to_odoo(order, resolved_context(order, taxes={}))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda order: order.pop("entity_id"), "entity_id"),
        (lambda order: order.pop("grand_total"), "grand_total"),
        (lambda order: order.update(items=[]), "items"),
        (lambda order: order["items"][0].pop("qty_ordered"), "items[sku=24-WG02].qty_ordered"),
        (lambda order: order["items"][0].update(price="12,50"), "items[sku=24-WG02].price"),
        (lambda order: order.update(created_at="yesterday"), "created_at"),
    ],
)
def test_data_that_cannot_be_mapped_is_refused_with_the_field(change: Any, field: str) -> None:
    order = payloads.coupon_order()
    ctx = resolved_context(payloads.coupon_order())
    change(order)
    with pytest.raises(MappingError) as error:
        magento_order_to_odoo(order, ctx)
    assert error.value.field == field


def test_an_order_without_increment_id_still_has_an_origin() -> None:
    order = payloads.coupon_order()
    del order["increment_id"]
    values = magento_order_to_odoo(order, resolved_context(order, instance_name="")).values
    assert values["origin"] == "Magento #id 6"
    assert "client_order_ref" not in values and values["magento_increment_id"] is False


def test_required_taxes_match_the_taxes_the_mapping_uses() -> None:
    for build in (payloads.nyc_rule_discount_order, payloads.uk_vat_inclusive_order, payloads.sar_order):
        order = build()
        ctx = resolved_context(order)
        used = {
            tax_id
            for line in lines_of(magento_order_to_odoo(order, ctx).values)
            for tax_id in line["tax_ids"][0][2]
        }
        assert used == set(ctx.taxes.values())


def test_one_plan_names_the_taxes_and_maps_the_order_as_planning_inside_the_mapping_does() -> None:
    builds = (payloads.nyc_rule_discount_order, payloads.uk_vat_inclusive_order, payloads.coupon_order)
    for build in builds:
        for rounding, version in ((ROUND_GLOBALLY, 19), (ROUND_PER_LINE, 19), (ROUND_GLOBALLY, 17)):
            # given an order planned once for a company's rounding and Odoo version
            order = build()
            ctx = resolved_context(order, rounding_method=rounding, odoo_version=version)
            plan = plan_lines(order, ctx.options, rounding, version=version)
            # then the plan names the taxes required_taxes names, whatever the rounding and version
            assert plan_taxes(plan) == required_taxes(order, ctx.options), build.__name__
            # and mapping with it gives exactly what mapping without it gives
            assert plan == context_plan(order, ctx)
            assert magento_order_to_odoo(order, ctx, plan) == magento_order_to_odoo(order, ctx)


def test_the_rounding_method_default_is_the_one_odoo_ships() -> None:
    assert resolved_context(payloads.coupon_order()).rounding_method == ROUND_GLOBALLY


def test_an_inclusive_store_discounting_net_prices_grosses_the_discount_up() -> None:
    # given prices including 20 % VAT but the discount applied to net prices (no hidden tax booked):
    # 24.00 gross = 20.00 net, 10 % off the net = 2.00, tax (20 − 2) × 20 % = 3.60 → grand_total 21.60
    mug = payloads.item(
        1, "24-UB02", "Impulse Duffle", 1, 20, product_id=12, tax_percent=20, tax_amount=D("3.60"),
        discount=2, price_incl_tax=24, original_price=24,
    )  # fmt: skip
    order = payloads.order(13, "000000013", [mug], currency="EUR", base_currency="EUR")
    ctx = resolved_context(order)
    mapping = magento_order_to_odoo(order, ctx)
    product, discount = lines_of(mapping.values)
    # then the discount line carries the gross 2.40 under the included tax
    assert (product["price_unit"], discount["price_unit"]) == (24.0, -2.4)
    assert mapping.adjustment == 0 and odoo_total_of(mapping.values, ctx) == D("21.60")


def test_a_tiny_discount_whose_own_hidden_tax_rounds_to_zero_stays_gross() -> None:
    # given the UK order where the roller's 2.50 discount books no hidden tax of its own
    order = payloads.uk_vat_inclusive_order()
    order["items"][2].update(discount_tax_compensation_amount=0, tax_amount=D("4.16"))
    order["tax_amount"] += D("0.41")
    order["discount_tax_compensation_amount"] -= D("0.41")
    mapping = magento_order_to_odoo(order, resolved_context(order))
    # then the store-wide setting (seen on the jacket) still reads its discount as gross
    assert lines_of(mapping.values)[-1]["price_unit"] == -13.5
    assert mapping.adjustment == 0


def test_a_fully_discounted_vat_order_discounts_each_line_so_odoo_lands_on_zero() -> None:
    # given a 100 % coupon on a VAT-inclusive mug (10.12) and its shipping (4.60): grand_total 0
    mug = payloads.item(
        1, "MUG+LID 350", "Travel Mug + Lid 350 ml", 1, D("8.43"), product_id=110, tax_percent=20,
        tax_amount=0, discount=D("10.12"), hidden_tax=D("1.69"), price_incl_tax=D("10.12"),
        original_price=D("10.12"),
    )  # fmt: skip
    order = payloads.order(
        29, "2000000029", [mug], shipping=D("3.83"), shipping_incl_tax=D("4.60"), currency="EUR",
        base_currency="USD", rate=D("0.92"), coupon_code="FREE100", discount_description="FREE100",
        grand_total=0, discount_amount=D("-14.72"), shipping_discount_amount=D("4.60"),
        shipping_discount_tax_compensation_amount=D("0.77"),
    )  # fmt: skip
    ctx = resolved_context(order)
    mapping = magento_order_to_odoo(order, ctx)
    # then one discount line per line: each rounds like what it cancels, and the total is exactly 0
    names = [line["name"] for line in lines_of(mapping.values)]
    assert names[2:] == [
        "Discount (FREE100): Travel Mug + Lid 350 ml",
        "Discount (FREE100): Flat Rate - Fixed",
    ]
    assert mapping.adjustment == 0 and odoo_total_of(mapping.values, ctx) == 0
    # whereas one discount line for both leaves Odoo's rounded bases at -0.01 (its zero-total branch)
    incl = (TaxKey(D(20), True),)
    one_line = [
        TaxedLine(D("10.12"), D(1), incl),
        TaxedLine(D("4.60"), D(1), incl),
        TaxedLine(D("-14.72"), D(1), incl),
    ]
    assert odoo_totals(one_line, ROUND_GLOBALLY).total == D("-0.01")


def test_a_tax_included_tie_needs_no_adjustment_on_18_or_19() -> None:
    # given a VAT-inclusive order of 20.79 whose base (17.325) and tax (3.465) are both ties
    bottle = payloads.item(
        1, "BT-WATER-750", "Summit Water Bottle 750 ml", 1, D("17.33"), product_id=5, tax_percent=20,
        tax_amount=D("3.46"), price_incl_tax=D("20.79"), original_price=D("20.79"), row_total=D("17.33"),
    )  # fmt: skip
    order = payloads.order(
        14, "000000014", [bottle], currency="EUR", base_currency="EUR", grand_total=D("20.79")
    )
    # when mapped for Odoo 19 or a current 18 (both keep the gross total), nothing needs adjusting
    on_19 = magento_order_to_odoo(order, ctx19 := resolved_context(order))
    on_18 = magento_order_to_odoo(order, ctx18 := resolved_context(order, odoo_version=18))
    assert on_19.adjustment == 0 and odoo_total_of(on_19.values, ctx19) == D("20.79")
    assert on_18.adjustment == 0 and odoo_total_of(on_18.values, ctx18) == D("20.79")


def test_a_store_whose_items_all_say_tax_exclusive_stays_tax_exclusive_when_the_total_does_not_add_up() -> (
    None
):
    # given a US store pricing net (original_price is the net price), whose tax Magento computed per unit
    # ("Unit Price" calculation): 10 x 9.99 at 8.25 % is 8.20 of tax there, 8.24 in Odoo's per-row rounding
    row = payloads.item(
        1,
        "MUG-01",
        "Mug",
        10,
        Decimal("9.99"),
        product_id=1,
        tax_percent=Decimal("8.25"),
        tax_amount=Decimal("8.20"),
        price_incl_tax=Decimal("10.81"),
        original_price=Decimal("9.99"),
    )
    order = payloads.order(41, "000000041", [row])
    assert order["grand_total"] == Decimal("108.10")
    options = InstanceOptions()
    # when its lines are planned
    plan = plan_lines(order, options, ROUND_GLOBALLY, version=19)
    # then they stay tax-exclusive at 9.99, and the 0.04 Odoo cannot reach is flagged, not hidden behind
    # tax-inclusive prices that match the total with the wrong untaxed amount and tax
    assert plan.prices_include_tax is False
    assert [line.price_unit for line in plan.lines] == [Decimal("9.99")]
    assert plan.mismatch and plan.predicted_total == Decimal("108.14")
