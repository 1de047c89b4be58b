import pulumi
import pulumi_maytapi as maytapi

lines = maytapi.Fleet(
    "support-lines",
    phones={
        "13": {"webhook": "https://hooks.example.com/maytapi/sales", "ack_delivery": True},
        "14": {"webhook": "https://hooks.example.com/maytapi/support"},
    },
)

pulumi.export("fleet_phones", lines.phones)
