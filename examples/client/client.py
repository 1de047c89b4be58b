"""The Maytapi client on its own, without Pulumi: one phone's config set and read back."""

from maytapi_pulumi import MaytapiClient, Settings

settings = Settings.from_sources({})  # from MAYTAPI_PRODUCT_ID, MAYTAPI_API_TOKEN, MAYTAPI_BASE_URL, ...
with MaytapiClient(settings, backoff_factor=0.5) as client:
    client.set_config(12, "https://hooks.example.com/maytapi", ack_delivery=True)
    print(client.get_config(12), client.status(12).status.ready, [phone.id for phone in client.list_phones()])
