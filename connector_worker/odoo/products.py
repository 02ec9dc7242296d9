"""Products in Odoo: find them by SKU (``default_code``) or Magento product id, many per call."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import zip_longest
from typing import Any

from connector_worker.odoo.rpc import OdooRpc, in_batches

PRODUCT_FIELDS = ("id", "default_code", "magento_product_id", "name", "product_tmpl_id", "type", "uom_id")
# Keys per search (SKUs and Magento ids each): one RPC for a page of orders, small request bodies.
PRODUCT_BATCH_SIZE = 500


class ProductOps(OdooRpc):
    """Product lookups."""

    def find_products(
        self,
        skus: Iterable[str] = (),
        magento_product_ids: Iterable[str | int] = (),
        fields: Sequence[str] = PRODUCT_FIELDS,
    ) -> list[dict[str, Any]]:
        """Active product variants whose SKU or Magento product id is among those given, by id.

        ``default_code`` is not unique in Odoo: several variants may share a SKU; the caller decides.
        """
        sku_list = sorted({sku for sku in skus if sku})
        id_list = sorted({str(mid) for mid in magento_product_ids if mid not in (None, "")})
        columns = list(dict.fromkeys([*fields, "default_code", "magento_product_id"]))
        found: dict[int, dict[str, Any]] = {}
        batches: Iterable[tuple[list[Any], list[Any]]] = zip_longest(
            in_batches(sku_list, PRODUCT_BATCH_SIZE), in_batches(id_list, PRODUCT_BATCH_SIZE), fillvalue=[]
        )
        for sku_batch, id_batch in batches:
            terms: list[Any] = []
            if sku_batch:
                terms.append(("default_code", "in", sku_batch))
            if id_batch:
                terms.append(("magento_product_id", "in", id_batch))
            domain = ["|", *terms] if len(terms) == 2 else terms
            for record in self.search_read("product.product", domain, columns, order="id"):
                found[record["id"]] = record
        return [found[key] for key in sorted(found)]
