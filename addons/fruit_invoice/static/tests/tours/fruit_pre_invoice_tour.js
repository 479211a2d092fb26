import { registry } from "@web/core/registry";

// A confirmed order whose goods have not left yet: 40 kg of it invoiced before delivery (预开票).
registry.category("web_tour.tours").add("fruit_invoice_pre_invoice", {
    steps: () => [
        {
            content: "Invoice part of the order",
            trigger: "button#fruit_partial_invoice",
            run: "click",
        },
        {
            content: "Nothing delivered: the wizard opens on pre-invoicing",
            trigger: ".modal .o_field_widget[name='mode'] input[data-value='preinvoice']:checked",
        },
        {
            content: "Edit the quantity",
            trigger: ".modal .o_field_widget[name='line_ids'] .o_data_row:first .o_data_cell[name='quantity']",
            run: "click",
        },
        {
            content: "40 kg",
            trigger: ".modal .o_data_row .o_data_cell[name='quantity'] input",
            run: "edit 40",
        },
        {
            content: "Leave the line",
            trigger: ".modal .o_field_widget[name='amount_total']",
            run: "click",
        },
        {
            content: "The total follows: 240.00 + 21.60 VAT",
            trigger: ".modal .o_field_widget[name='amount_total']:contains('261.60')",
        },
        {
            content: "Create the invoice",
            trigger: ".modal button[name='action_create_invoices']",
            run: "click",
        },
        {
            content: "The invoice waits for its goods",
            trigger: ".o_field_widget[name='fruit_preinvoice_state'] .text-bg-warning",
        },
    ],
});
