"""Access rights: every model of the module is reachable, by the right groups, with the right rights."""

from tests.odoo_addon.addon_data import ACCESS_HEADER, KNOWN_EXTERNAL_IDS, MODULE, access_rows, records
from tests.odoo_addon.addon_source import ADDON_DIR, read_models

SECURITY_XML = ADDON_DIR / "security" / "magento_security.xml"
SALESMAN = "sales_team.group_sale_salesman"
MANAGER = "sales_team.group_sale_manager"
CONNECTOR = "group_magento_connector"


def _rights() -> dict[tuple[str, str], str]:
    """(model_id, group) -> the four flags as 'rwcu' letters (read, write, create, unlink)."""
    _header, rows = access_rows()
    rights = {}
    for row in rows:
        flags = "".join(
            letter
            for letter, column in zip(
                "rwcu", ("perm_read", "perm_write", "perm_create", "perm_unlink"), strict=True
            )
            if row[column] == "1"
        )
        rights[(row["model_id:id"], row["group_id:id"])] = flags
    return rights


def test_access_csv_header_is_exactly_odoos() -> None:
    header, _rows = access_rows()
    assert header == ACCESS_HEADER


def test_access_lines_are_well_formed_and_unique() -> None:
    _header, rows = access_rows()
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    for row in rows:
        assert row["name"], row["id"]
        assert row["group_id:id"], f"{row['id']}: a line without a group grants every user, including portal"
        for column in ("perm_read", "perm_write", "perm_create", "perm_unlink"):
            assert row[column] in {"0", "1"}, (row["id"], column)


def test_every_model_of_the_module_has_access_lines_and_no_line_names_another() -> None:
    # Given the models the module creates (inherited ones keep their own rights)
    new_models = {f"model_{name.replace('.', '_')}" for name, model in read_models().items() if model.is_new}

    # Then each has access lines, and every line is for one of them
    _header, rows = access_rows()
    assert {row["model_id:id"] for row in rows} == new_models


def test_every_group_of_the_access_lines_exists() -> None:
    groups = {record.xml_id for record in records(SECURITY_XML) if record.model == "res.groups"}
    _header, rows = access_rows()
    for row in rows:
        group = row["group_id:id"] if "." in row["group_id:id"] else f"{MODULE}.{row['group_id:id']}"
        assert group in groups | KNOWN_EXTERNAL_IDS, group


def test_salesmen_read_instances_and_outbox_rows_and_write_none_of_their_own() -> None:
    # the buttons write their rows as superuser, after checking the user may change the order
    rights = _rights()
    assert rights[("model_magento_instance", SALESMAN)] == "r"
    assert rights[("model_magento_outbox", SALESMAN)] == "r"


def test_managers_manage_instances_and_retry_outbox_rows() -> None:
    rights = _rights()
    assert rights[("model_magento_instance", MANAGER)] == "rwcu"
    assert "w" in rights[("model_magento_outbox", MANAGER)]


def test_the_connector_group_reads_instances_and_claims_outbox_rows_without_deleting_them() -> None:
    rights = _rights()
    assert rights[("model_magento_instance", CONNECTOR)] == "r"
    # claim() and mark_done()/mark_failed() write; the worker never deletes the audit trail
    assert rights[("model_magento_outbox", CONNECTOR)] == "rwc"


def test_connector_group_loads_on_odoo_18_and_19() -> None:
    # Given the group record of the worker's bot user
    (group,) = [record for record in records(SECURITY_XML) if record.xml_id == f"{MODULE}.{CONNECTOR}"]
    fields = {child.get("name") for child in group.element if child.tag == "field"}

    # Then it sets no field whose name differs between 18 and 19 (category_id/privilege_id,
    # users/user_ids), only the name and the groups it implies
    assert fields == {"name", "implied_ids"}
    implied = group.field("implied_ids")
    assert implied is not None
    for xml_id in (
        "sales_team.group_sale_salesman_all_leads",
        "base.group_partner_manager",
        "account.group_account_invoice",
        "stock.group_stock_user",
    ):
        assert f"ref('{xml_id}')" in (implied.get("eval") or "")
