import { registry } from "@web/core/registry";

// From a delivered order of the demo wholesaler to its fapiao sent for issuing: invoicing
// splits the order by batch, the first invoice is posted, its fapiao prepared and issued.
registry.category("web_tour.tours").add("fruit_invoice_sale_to_fapiao", {
    steps: () => [
        {
            content: "Invoice the delivered order",
            trigger: "button#create_invoice",
            run: "click",
        },
        {
            content: "Create the invoices",
            trigger: ".modal button[name='create_invoices']",
            run: "click",
        },
        {
            content: "One invoice per batch: open the first",
            trigger: ".o_list_view .o_data_row:first .o_data_cell[name='invoice_partner_display_name']",
            run: "click",
        },
        {
            content: "The batch is on the invoice line",
            trigger: ".o_field_widget[name='invoice_line_ids'] .o_data_cell[name='fruit_lot_ids']:not(:empty)",
        },
        {
            content: "Confirm the invoice",
            trigger: ".o_form_statusbar button[name='action_post']",
            run: "click",
        },
        {
            content: "Prepare its fapiao",
            trigger: "button[name='action_prepare_fapiao']",
            run: "click",
        },
        {
            content: "The fruit line is printed with its tax code's short name",
            trigger: ".o_field_widget[name='line_ids'] .o_data_cell:contains('*水果*')",
        },
        {
            content: "Issue",
            trigger: ".o_form_statusbar button[name='action_submit']",
            run: "click",
        },
        {
            content: "Queued for issuing",
            trigger: ".o_form_statusbar button[name='action_reset_to_draft']",
        },
    ],
});
