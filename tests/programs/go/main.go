// The Go program of tests/test_languages.py, run in a copy of examples/go: every resource kind,
// the three functions in both forms, a provider instance of a second product and a component
// handed it, and a secret. Each value comes from the stack's config, so that each step of the test
// changes config only. tests/programs/typescript/index.ts is the same program in TypeScript.
package main

import (
	"github.com/maytapi-pulumi/maytapi-pulumi/sdk/go/maytapi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

type line struct{ pulumi.ResourceState }

// newLine is a component holding one phone's config.
func newLine(ctx *pulumi.Context, name, phoneID, webhook string, opts ...pulumi.ResourceOption) error {
	component := &line{}
	if err := ctx.RegisterComponentResource("maytapi-test:index:Line", name, component, opts...); err != nil {
		return err
	}
	_, err := maytapi.NewPhoneConfig(ctx, name+"-config", &maytapi.PhoneConfigArgs{
		PhoneId: pulumi.String(phoneID),
		Webhook: pulumi.String(webhook),
	}, pulumi.Parent(component))
	if err != nil {
		return err
	}
	return ctx.RegisterResourceOutputs(component, pulumi.Map{})
}

// functions reads the product with each function, in its plain and its Output form.
func functions(ctx *pulumi.Context) (pulumi.Map, error) {
	phones, err := maytapi.GetPhones(ctx)
	if err != nil {
		return nil, err
	}
	phone, err := maytapi.LookupPhoneConfig(ctx, &maytapi.LookupPhoneConfigArgs{PhoneId: "14"})
	if err != nil {
		return nil, err
	}
	status, err := maytapi.GetPhoneStatus(ctx, &maytapi.GetPhoneStatusArgs{PhoneId: 13})
	if err != nil {
		return nil, err
	}
	ids := pulumi.StringArray{}
	for _, p := range phones.Phones {
		ids = append(ids, pulumi.String(p.Id))
	}
	webhook := ""
	if phone.Webhook != nil {
		webhook = *phone.Webhook
	}
	output := pulumi.All(
		maytapi.GetPhonesOutput(ctx),
		maytapi.LookupPhoneConfigOutput(ctx, maytapi.LookupPhoneConfigOutputArgs{PhoneId: pulumi.String("14")}),
		maytapi.GetPhoneStatusOutput(ctx, maytapi.GetPhoneStatusOutputArgs{PhoneId: pulumi.Int(13)}),
	).ApplyT(func(all []interface{}) map[string]interface{} {
		ids := []string{}
		for _, p := range all[0].(maytapi.GetPhonesResult).Phones {
			ids = append(ids, p.Id)
		}
		webhook := ""
		if w := all[1].(maytapi.LookupPhoneConfigResult).Webhook; w != nil {
			webhook = *w
		}
		return map[string]interface{}{
			"phones": ids, "webhook": webhook, "state": all[2].(maytapi.GetPhoneStatusResult).State,
		}
	}).(pulumi.MapOutput)
	plain := pulumi.Map{"phones": ids, "webhook": pulumi.String(webhook), "state": pulumi.String(status.State)}
	return pulumi.Map{"plain": plain, "output": output}, nil
}

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		revision := pulumi.String(cfg.Require("revision"))
		webhook := cfg.Require("webhook")

		// The example's two resources, under its names.
		support, err := maytapi.NewPhoneConfig(ctx, "support-line", &maytapi.PhoneConfigArgs{
			PhoneId:     pulumi.String("12"),
			Webhook:     pulumi.String(webhook),
			AckDelivery: pulumi.Bool(true),
		})
		if err != nil {
			return err
		}
		if _, err := maytapi.NewRedeploy(ctx, "support-line-redeploy", &maytapi.RedeployArgs{
			PhoneId: support.PhoneId, Revision: revision,
		}); err != nil {
			return err
		}
		if _, err := maytapi.NewFactoryReset(ctx, "reset", &maytapi.FactoryResetArgs{
			PhoneId: pulumi.String("15"), Revision: revision,
		}); err != nil {
			return err
		}
		if _, err := maytapi.NewLogout(ctx, "logout", &maytapi.LogoutArgs{
			PhoneId: pulumi.String("14"), Revision: revision,
		}); err != nil {
			return err
		}
		// The same actions across a set of phones.
		phones := func(ids ...string) pulumi.StringArray { return pulumi.ToStringArray(ids) }
		if _, err := maytapi.NewFleetRedeploy(ctx, "fleet-redeploy", &maytapi.FleetRedeployArgs{
			PhoneIds: phones("12", "13"), Revision: revision,
		}); err != nil {
			return err
		}
		if _, err := maytapi.NewFleetFactoryReset(ctx, "fleet-reset", &maytapi.FleetFactoryResetArgs{
			PhoneIds: phones("15"), Revision: revision,
		}); err != nil {
			return err
		}
		if _, err := maytapi.NewFleetLogout(ctx, "fleet-logout", &maytapi.FleetLogoutArgs{
			PhoneIds: phones("14"), Revision: revision,
		}); err != nil {
			return err
		}

		// Phones 13 and 14 as one Fleet; 13's webhook is a secret.
		fleet, err := maytapi.NewFleet(ctx, "fleet", &maytapi.FleetArgs{Phones: maytapi.FleetPhoneMap{
			"13": maytapi.FleetPhoneArgs{Webhook: cfg.RequireSecret("secretHook")},
			"14": maytapi.FleetPhoneArgs{Webhook: pulumi.String(cfg.Require("fleetHook")), AckDelivery: pulumi.Bool(true)},
		}})
		if err != nil {
			return err
		}

		// A second product: a phone through an explicit provider instance, another through a
		// component the instance is handed to.
		other, err := maytapi.NewProvider(ctx, "other", &maytapi.ProviderArgs{
			ProductId: pulumi.String(cfg.Require("otherProduct")),
			ApiToken:  cfg.RequireSecret("otherToken"),
			BaseUrl:   pulumi.String(cfg.Require("otherUrl")),
		})
		if err != nil {
			return err
		}
		if _, err := maytapi.NewPhoneConfig(ctx, "there", &maytapi.PhoneConfigArgs{
			PhoneId: pulumi.String("8"), Webhook: pulumi.String(webhook),
		}, pulumi.Provider(other)); err != nil {
			return err
		}
		if err := newLine(ctx, "line", "7", webhook, pulumi.Providers(other)); err != nil {
			return err
		}

		ctx.Export("webhook", support.Webhook)
		ctx.Export("fleetPhones", fleet.Phones)
		if cfg.GetBool("functions") {
			read, err := functions(ctx)
			if err != nil {
				return err
			}
			ctx.Export("read", read)
		}
		return nil
	})
}
