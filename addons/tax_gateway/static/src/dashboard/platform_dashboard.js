import { _t } from "@web/core/l10n/translation";
import { loadBundle } from "@web/core/assets";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formatFloat } from "@web/views/fields/formatters";
import { Component, onWillStart, useEffect, useRef, useState } from "@odoo/owl";

const BLUE = "#1f6fb4";
const RED = "#c0392b";
const GREEN = "#2e8b57";
const ORANGE = "#e67e22";

/**
 * The tax platform dashboard: per platform its state, the drawer's session, what waits and the
 * month's credit line; charts of the fapiao issued per day, the calls' success and error rates,
 * the p95 latency and the credit line used. Figures: tax.gateway.request.stats.get_dashboard_data.
 */
export class PlatformDashboard extends Component {
    static template = "tax_gateway.PlatformDashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ days: 30, data: null });
        this.canvases = {
            issued: useRef("issued"),
            rates: useRef("rates"),
            latency: useRef("latency"),
            credit: useRef("credit"),
        };
        this.charts = [];
        onWillStart(async () => {
            await loadBundle("web.chartjs_lib");
            await this.load();
        });
        useEffect(
            () => {
                this.renderCharts();
                return () => this.destroyCharts();
            },
            () => [this.state.data]
        );
    }

    async load() {
        this.state.data = await this.orm.call(
            "tax.gateway.request.stats",
            "get_dashboard_data",
            [],
            { days: this.state.days }
        );
    }

    async setDays(days) {
        this.state.days = days;
        await this.load();
    }

    money(value, platform) {
        return `${platform.currency}${formatFloat(value || 0, { digits: [16, 2] })}`;
    }

    creditShare(platform) {
        if (!platform.credit_total) {
            return 0;
        }
        return Math.min(100, Math.round((100 * platform.credit_used) / platform.credit_total));
    }

    openDetails() {
        this.action.doAction("tax_gateway.tax_gateway_request_stats_action");
    }

    openPlatform(platform) {
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "tax.gateway.provider",
            res_id: platform.id,
            views: [[false, "form"]],
        });
    }

    destroyCharts() {
        for (const chart of this.charts) {
            chart.destroy();
        }
        this.charts = [];
    }

    chart(ref, config) {
        if (ref.el) {
            this.charts.push(new Chart(ref.el, config));
        }
    }

    renderCharts() {
        const data = this.state.data;
        if (!data) {
            return;
        }
        const labels = data.days.map((day) => day.slice(5));
        const common = {
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            plugins: { legend: { position: "bottom" } },
        };
        this.chart(this.canvases.issued, {
            type: "bar",
            data: {
                labels,
                datasets: [
                    { label: _t("Blue Fapiao"), data: data.issued.blue, backgroundColor: BLUE },
                    { label: _t("Red Fapiao"), data: data.issued.red, backgroundColor: RED },
                ],
            },
            options: {
                ...common,
                scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
            },
        });
        const several = data.platforms.length > 1;
        const named = (label, platform) => (several ? `${label} · ${platform.name}` : label);
        this.chart(this.canvases.rates, {
            type: "line",
            data: {
                labels,
                datasets: data.platforms.flatMap((platform) => [
                    {
                        label: named(_t("Success Rate (%)"), platform),
                        data: platform.success_rate,
                        borderColor: GREEN,
                        backgroundColor: GREEN,
                        spanGaps: true,
                    },
                    {
                        label: named(_t("Error Rate (%)"), platform),
                        data: platform.error_rate,
                        borderColor: RED,
                        backgroundColor: RED,
                        spanGaps: true,
                    },
                ]),
            },
            options: { ...common, scales: { y: { min: 0, max: 100 } } },
        });
        this.chart(this.canvases.latency, {
            type: "line",
            data: {
                labels,
                datasets: data.platforms.map((platform) => ({
                    label: named(_t("p95 Latency (ms)"), platform),
                    data: platform.p95_ms,
                    borderColor: ORANGE,
                    backgroundColor: ORANGE,
                    spanGaps: true,
                })),
            },
            options: { ...common, scales: { y: { beginAtZero: true } } },
        });
        this.chart(this.canvases.credit, {
            type: "bar",
            data: {
                labels: data.platforms.map((platform) => platform.name),
                datasets: [
                    {
                        label: _t("Used This Month"),
                        data: data.platforms.map((platform) => platform.credit_used),
                        backgroundColor: BLUE,
                    },
                    {
                        label: _t("Left This Month"),
                        data: data.platforms.map((platform) => platform.credit_available),
                        backgroundColor: "#d5d8dc",
                    },
                ],
            },
            options: {
                ...common,
                indexAxis: "y",
                scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true } },
            },
        });
    }
}

registry.category("actions").add("tax_gateway_platform_dashboard", PlatformDashboard);
