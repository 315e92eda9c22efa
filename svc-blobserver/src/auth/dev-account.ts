/**
 * The well-known development storage account of the Azure Storage emulator and Azurite.
 * Public by design: every Azure SDK knows it (`UseDevelopmentStorage=true`).
 */
export const DEV_ACCOUNT_NAME = 'devstoreaccount1';
export const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
