package main

import (
	"github.com/maytapi-pulumi/maytapi-pulumi/sdk/go/maytapi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		// A second Maytapi product beside the stack's own (maytapi:productId): its settings from this
		// program's config, the token as a secret.
		other, err := maytapi.NewProvider(ctx, "other-product", &maytapi.ProviderArgs{
			ProductId: pulumi.String(cfg.Require("otherProductId")),
			ApiToken:  cfg.RequireSecret("otherApiToken"),
		})
		if err != nil {
			return err
		}
		otherLine, err := maytapi.NewPhoneConfig(ctx, "other-line", &maytapi.PhoneConfigArgs{
			PhoneId: pulumi.String("17"),
			Webhook: pulumi.String("https://hooks.example.com/maytapi/other"),
		}, pulumi.Provider(other))
		if err != nil {
			return err
		}
		ctx.Export("otherWebhook", otherLine.Webhook)
		return nil
	})
}
