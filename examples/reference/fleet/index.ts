import * as maytapi from "pulumi-maytapi";

const lines = new maytapi.Fleet("support-lines", {
    phones: {
        "13": { webhook: "https://hooks.example.com/maytapi/sales", ackDelivery: true },
        "14": { webhook: "https://hooks.example.com/maytapi/support" },
    },
});

export const fleetPhones = lines.phones;
