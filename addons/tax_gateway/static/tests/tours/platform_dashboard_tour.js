import { registry } from "@web/core/registry";

// The 财务经理 opens the platform dashboard: a card per platform and four charts.
registry.category("web_tour.tours").add("tax_gateway_platform_dashboard", {
    steps: () => [
        {
            content: "The platform's card: its state and the credit line used this month",
            trigger: ".o_tax_gateway_dashboard_platform:contains('在线'):contains('本月已用')",
        },
        {
            content: "Four charts drawn",
            trigger: ".o_tax_gateway_dashboard .o_tax_gateway_chart:nth-child(4) canvas",
        },
        {
            content: "The last 7 days",
            trigger: ".o_tax_gateway_dashboard .btn-group button:first-child",
            run: "click",
        },
        {
            content: "7 days selected",
            trigger: ".o_tax_gateway_dashboard .btn-group button.btn-primary:first-child",
        },
        {
            content: "The daily figures behind the charts",
            trigger: ".o_tax_gateway_dashboard_details",
            run: "click",
        },
        {
            content: "The list of daily figures",
            trigger: ".o_list_view .o_data_row",
        },
    ],
});
