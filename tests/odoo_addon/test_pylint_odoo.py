"""pylint-odoo (every Odoo check, settings in odoo_addon/.pylintrc) finds nothing in the module.

No pylint-odoo check is disabled in the settings; the manifest disables manifest-version-format on its
version line, which has no series on purpose (one tree for 18.0 and 19.0). Two options are set: the Odoo
series that decide the version-specific checks, and the expected author, whose default is the OCA.
"""

import shutil
import subprocess
import sys
from pathlib import Path

from tests.odoo_addon.addon_source import ADDON_DIR, REPO_ROOT

RCFILE = REPO_ROOT / "odoo_addon" / ".pylintrc"


def _pylint(addon: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pylint", f"--rcfile={RCFILE}", str(addon)],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_pylint_odoo_is_clean_on_the_module() -> None:
    result = _pylint(ADDON_DIR)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_pylint_odoo_checks_are_really_enabled(tmp_path: Path) -> None:
    # Given a copy of the module with mistakes pylint-odoo knows
    addon = tmp_path / ADDON_DIR.name
    shutil.copytree(ADDON_DIR, addon)
    with (addon / "models" / "res_partner.py").open("a", encoding="utf-8") as handle:
        handle.write(
            "\n\nclass Broken(models.Model):\n"
            '    _inherit = "res.partner"\n'
            '    magento_note = fields.Char(string="Magento Note")\n\n'
            "    def action_broken(self):\n"
            '        raise UserError("untranslated")\n'
        )
    (addon / "__manifest__.py").write_text(
        (addon / "__manifest__.py")
        .read_text(encoding="utf-8")
        .replace('"magento-odoo-connector contributors"', '"Somebody Else"'),
        encoding="utf-8",
    )

    # When pylint runs with the module's settings
    result = _pylint(addon)

    # Then it reports each of them
    assert result.returncode != 0
    for check in ("attribute-string-redundant", "translation-required", "manifest-required-author"):
        assert check in result.stdout, result.stdout
