import { registry } from "@web/core/registry";

// A 财务经理 in the zh_CN client takes back part of an issued invoice: Odoo's credit note,
// fewer goods on it, 申请红字发票, then 提交税局 behind the identity check.
registry.category("web_tour.tours").add("tax_gateway_partial_red_letter_zh", {
    steps: () => [
        {
            content: "The invoice has its fapiao: 开票状态 已开具",
            trigger: ".o_field_widget[name='fapiao_state'] :contains('已开具')",
        },
        {
            content: "Odoo's credit note button on the issued invoice",
            trigger: ".o_form_statusbar button[name='action_reverse']",
            run: "click",
        },
        {
            content: "Reason: goods returned",
            trigger: ".modal .o_field_widget[name='reason'] input",
            run: "edit 退货",
        },
        {
            content: "Reverse: a draft credit note",
            trigger: ".modal button[name='refund_moves']",
            run: "click",
        },
        {
            content: "The draft credit note offers 申请红字发票",
            trigger: ".o_form_statusbar button[name='action_request_red_letter']:contains('申请红字发票')",
        },
        {
            content: "Only 40 of the goods come back: open the line's quantity",
            trigger: ".o_field_widget[name='invoice_line_ids'] .o_data_row:first-child td[name='quantity']",
            run: "click",
        },
        {
            content: "40",
            trigger: ".o_field_widget[name='invoice_line_ids'] .o_data_row.o_selected_row .o_field_widget[name='quantity'] input",
            run: "edit 40",
        },
        {
            content: "申请红字发票 (the credit note is saved first)",
            trigger: ".o_form_statusbar button[name='action_request_red_letter']",
            run: "click",
        },
        {
            content: "The red-letter form, in draft, for part of the fapiao",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('草稿')",
        },
        {
            content: "提交税局",
            trigger: ".o_form_statusbar button[name='action_submit']:contains('提交税局')",
            run: "click",
        },
        {
            content: "Odoo asks the password again",
            trigger: ".modal input[name='password'], .modal .o_field_widget[name='password'] input",
            run: "edit tour_caiwu",
        },
        {
            content: "Confirm the password",
            trigger: ".modal button[name='run_check']",
            run: "click",
        },
        {
            content: "The form is with the bureau: 申请中",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('申请中')",
        },
    ],
});
