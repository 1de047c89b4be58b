package main

import (
	"github.com/maytapi-pulumi/maytapi-pulumi/sdk/go/maytapi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		lines, err := maytapi.NewFleet(ctx, "support-lines", &maytapi.FleetArgs{
			Phones: maytapi.FleetPhoneMap{
				"13": maytapi.FleetPhoneArgs{
					Webhook:     pulumi.String("https://hooks.example.com/maytapi/sales"),
					AckDelivery: pulumi.Bool(true),
				},
				"14": maytapi.FleetPhoneArgs{
					Webhook: pulumi.String("https://hooks.example.com/maytapi/support"),
				},
			},
		})
		if err != nil {
			return err
		}
		ctx.Export("fleetPhones", lines.Phones)
		return nil
	})
}
