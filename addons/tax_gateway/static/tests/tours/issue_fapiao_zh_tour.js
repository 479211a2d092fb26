import { registry } from "@web/core/registry";

// A 开票员 in the zh_CN client: one click on the posted invoice issues its fapiao.
registry.category("web_tour.tours").add("tax_gateway_issue_fapiao_zh", {
    steps: () => [
        {
            content: "开具数电票 on the posted invoice",
            trigger: "button[name='action_issue_fapiao']:contains('开具数电票')",
            run: "click",
        },
        {
            content: "The invoice's fapiao is queued: 开票状态 待开具",
            trigger: ".o_field_widget[name='fapiao_state'] :contains('待开具')",
        },
        {
            content: "No second click: the button is gone",
            trigger: ".o_form_statusbar:not(:has(button[name='action_issue_fapiao']))",
        },
    ],
});

// Once the platform issued it: the invoice says 已开具 and its fapiao carries the number.
registry.category("web_tour.tours").add("tax_gateway_issued_fapiao_zh", {
    steps: () => [
        {
            content: "开票状态 已开具",
            trigger: ".o_field_widget[name='fapiao_state'] :contains('已开具')",
        },
    ],
});

// The issued fapiao's own form, in zh_CN.
registry.category("web_tour.tours").add("tax_gateway_fapiao_issued_zh", {
    steps: () => [
        {
            content: "The fapiao's state is 已开具",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('已开具')",
        },
        {
            content: "It carries the 20-digit number the platform gave",
            trigger: ".o_field_widget[name='number']:contains('2631')",
        },
    ],
});
