import { registry } from "@web/core/registry";

// From a posted customer invoice: prepare its fapiao, check the printed line, send it to issuing.
registry.category("web_tour.tours").add("tax_gateway_prepare_fapiao", {
    steps: () => [
        {
            content: "Prepare the fapiao of the posted invoice",
            trigger: "button[name='action_prepare_fapiao']",
            run: "click",
        },
        {
            content: "The line is printed as *简称*名称 with its 19-digit code",
            trigger: ".o_field_widget[name='line_ids'] .o_data_cell:contains('*水果*富士苹果')",
        },
        {
            content: "The buyer's tax ID was taken from the partner",
            trigger: ".o_field_widget[name='buyer_tax_id'] input:value(91310000MA1FL0001R)",
        },
        {
            content: "Issue",
            trigger: ".o_form_statusbar button[name='action_submit']",
            run: "click",
        },
        {
            content: "Queued for issuing: the issuer may send it back to draft",
            trigger: ".o_form_statusbar button[name='action_reset_to_draft']",
        },
    ],
});
