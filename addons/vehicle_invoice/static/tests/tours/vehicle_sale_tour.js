import { registry } from "@web/core/registry";

// From a delivered vehicle sale of the demo dealer to its fapiao sent for issuing: invoice the
// order, post it, prepare the fapiao (the car alone on its motor-vehicle fapiao, accessories,
// services) and issue each one; the car is above the identity-check threshold.
function issueCurrent() {
    return [
        {
            content: "Issue this fapiao",
            trigger: ".o_form_statusbar button[name='action_submit']",
            run: "click",
        },
        {
            content: "Queued for issuing",
            trigger: ".o_form_statusbar button[name='action_reset_to_draft']",
        },
    ];
}

registry.category("web_tour.tours").add("vehicle_invoice_sale_to_fapiao", {
    steps: () => [
        {
            content: "Invoice the delivered order",
            trigger: "button#create_invoice",
            run: "click",
        },
        {
            content: "Create the invoice",
            trigger: ".modal button[name='create_invoices']",
            run: "click",
        },
        {
            content: "The car is on its own line with the VIN it was delivered with",
            trigger: ".o_field_widget[name='invoice_line_ids'] .o_data_cell[name='vehicle_lot_id']:contains('LSVAL6BR')",
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
            content: "Three fapiao: open the car's (115,000.00 tax included)",
            trigger: ".o_list_view .o_data_row:contains('115,000.00') .o_data_cell[name='name']",
            run: "click",
        },
        {
            content: "The car's fapiao carries its VIN",
            trigger: ".o_field_widget[name='vehicle_lot_id']:contains('LSVAL6BR')",
        },
        {
            content: "Issue the car's fapiao",
            trigger: ".o_form_statusbar button[name='action_submit']",
            run: "click",
        },
        {
            content: "Above the threshold: Odoo asks for the password again",
            trigger: ".modal div[name='password'] input",
            run: "edit admin",
        },
        {
            content: "Confirm the password",
            trigger: ".modal button[name='run_check']",
            run: "click",
        },
        {
            content: "The car's fapiao is queued for issuing",
            trigger: ".o_form_statusbar button[name='action_reset_to_draft']",
        },
        {
            content: "Next fapiao of the deal",
            trigger: ".o_pager_next",
            run: "click",
        },
        ...issueCurrent(),
        {
            content: "Last fapiao of the deal",
            trigger: ".o_pager_next",
            run: "click",
        },
        ...issueCurrent(),
    ],
});
