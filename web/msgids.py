"""Message ids the panel builds at run time, listed for the extractor.

Templates and views build some ids from a prefix and a value (``"tx_" ~
type``, ``label_<field>``), and form checks and the service hand keys or
English sentences to :func:`web.customer_form.message`. None of those is a
literal ``t("…")``, so ``make messages`` would not see them; ``N_`` marks them
here. Imports only :mod:`l10n`. ``tests/web/test_catalogs.py`` checks each
family against the table the code builds it from.
"""

from l10n import N_

# web.customers.TABS, as t("tab_" ~ name).
TABS = (
    N_("tab_general"),
    N_("tab_credit"),
    N_("tab_points"),
    N_("tab_purchases"),
    N_("tab_history"),
)

# web.customer_form.SECTIONS, as t("sec_" ~ section).
SECTIONS = (
    N_("sec_person"),
    N_("sec_contact"),
    N_("sec_address"),
    N_("sec_business"),
    N_("sec_terms"),
    N_("sec_bank"),
    N_("sec_status"),
    N_("sec_notes"),
)

# Every field of web.customer_form.FIELDS (Field.label).
LABELS = (
    N_("label_type"),
    N_("label_customer_number"),
    N_("label_title"),
    N_("label_first_name"),
    N_("label_last_name"),
    N_("label_company_name"),
    N_("label_alias"),
    N_("label_gender"),
    N_("label_date_of_birth"),
    N_("label_social_security_number"),
    N_("label_email"),
    N_("label_phone"),
    N_("label_mobile"),
    N_("label_invoice_email"),
    N_("label_business_phone"),
    N_("label_fax"),
    N_("label_whatsapp"),
    N_("label_whatsapp_opt_in"),
    N_("label_newsletter_opt_in"),
    N_("label_email_invoices"),
    N_("label_homepage"),
    N_("label_preferred_language"),
    N_("label_street"),
    N_("label_house_number"),
    N_("label_postal_code"),
    N_("label_city"),
    N_("label_country"),
    N_("label_care_of"),
    N_("label_po_box"),
    N_("label_latitude"),
    N_("label_longitude"),
    N_("label_vat_id"),
    N_("label_tax_id"),
    N_("label_registration_number"),
    N_("label_business_type"),
    N_("label_industry"),
    N_("label_segment"),
    N_("label_group_id"),
    N_("label_discount_percent"),
    N_("label_price_level"),
    N_("label_credit_limit"),
    N_("label_allow_invoice_payment"),
    N_("label_do_not_dun"),
    N_("label_payment_terms_days"),
    N_("label_payment_method"),
    N_("label_net_mode"),
    N_("label_iban"),
    N_("label_bic"),
    N_("label_bank_name"),
    N_("label_sepa_mandate_reference"),
    N_("label_sepa_mandate_date"),
    N_("label_blocked"),
    N_("label_lock_text"),
    N_("label_favourite"),
    N_("label_points_blocked"),
    N_("label_is_employee"),
    N_("label_is_debtor"),
    N_("label_loss_reason"),
    N_("label_notes"),
    N_("label_memo"),
)

# The fields with help=True, and the card number field (help_text).
HELP = (
    N_("help_invoice_email"),
    N_("help_vat_id"),
    N_("help_discount_percent"),
    N_("help_credit_limit"),
    N_("help_payment_terms_days"),
    N_("help_sepa_mandate_reference"),
    N_("help_blocked"),
    N_("help_card_uid"),
)

# The gender field's options.
GENDERS = (
    N_("gender_female"),
    N_("gender_male"),
    N_("gender_diverse"),
    N_("gender_unspecified"),
)

# Why a new customer looks like an existing one (edge.customers duplicates).
MATCHES = (
    N_("matched_email"),
    N_("matched_phone"),
    N_("matched_name_and_date_of_birth"),
)

# A card's status.
CARD_STATES = (
    N_("card_active"),
    N_("card_blocked"),
    N_("card_lost"),
)

# edge.security.users.ROLES.
ROLES = (
    N_("role_cashier"),
    N_("role_manager"),
    N_("role_admin"),
)

# The device kinds on the devices page.
DEVICES = (
    N_("dev_reader"),
    N_("dev_printer"),
    N_("dev_display"),
)

# edge.devices.printing job states.
JOB_STATES = (
    N_("job_queued"),
    N_("job_printing"),
    N_("job_printed"),
    N_("job_failed"),
)

# edge.money.journal type names.
TRANSACTIONS = (
    N_("tx_topup"),
    N_("tx_usage"),
    N_("tx_correction"),
    N_("tx_bonus_topup"),
    N_("tx_bonus_usage"),
    N_("tx_payout"),
    N_("tx_earned"),
    N_("tx_redeemed"),
)

# History fields that are not form fields.
HISTORY = (
    N_("hist_created"),
    N_("hist_status"),
    N_("hist_cards"),
    N_("hist_merged_from"),
    N_("hist_merged_into"),
)

# Service refusals by code, and configured limits (web.problems).
PROBLEMS = (
    N_("problem_customer_blocked"),
    N_("problem_customer_inactive"),
    N_("problem_insufficient_funds"),
    N_("problem_insufficient_points"),
    N_("problem_points_blocked"),
    N_("problem_limit_exceeded"),
    N_("problem_limit_max_topup"),
    N_("problem_limit_max_balance"),
    N_("problem_not_found"),
)

# The devices page's actions (web.devices, ok=…).
ACTIONS_DONE = (
    N_("test_print_done"),
    N_("test_display_done"),
    N_("sim_tap_done"),
)

# Form checks (web.customer_form.message) and web.fmt.parse_money's ValueError keys.
FORM_ERRORS = (
    N_("not_int"),
    N_("not_number"),
    N_("too_long"),
    N_("too_small"),
    N_("too_large"),
    N_("bad_date"),
    N_("bad_choice"),
    N_("bad_format"),
    N_("err_amount_missing"),
    N_("err_amount_format"),
    N_("err_amount_positive"),
    N_("err_amount_too_large"),
    N_("err_reason_missing"),
)

# edge.customers' own (English) field messages, translated where shown.
SERVICE_MESSAGES = (
    N_("required for an individual customer"),
    N_("required for a business customer"),
    N_("already in use"),
    N_("already used by another customer"),
    N_("is in the future"),
    N_("is before 1900"),
    N_("no such group"),
    N_("required for a group"),
    N_("already registered"),
)
