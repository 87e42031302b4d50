import type { AdminTokensService } from './admin-tokens/service.js';
import type { ApisService } from './apis/service.js';
import type { AuditService } from './audit/service.js';
import type { ClientsService } from './clients/service.js';
import type { ConfigurationService } from './configuration/service.js';
import type { FederatedIssuersService } from './federation/service.js';
import type { GrantsService } from './grants/service.js';
import type { KeysService } from './keys/service.js';
import type { RevocationsService } from './revocations/service.js';
import type { ServiceAccountsService } from './service-accounts/service.js';
import type { TenantsService } from './tenants/service.js';

/** The domain's services, one per kind of record: what the admin API and the CLI change the product through. */
export interface Services {
  readonly tenants: TenantsService;
  readonly serviceAccounts: ServiceAccountsService;
  readonly clients: ClientsService;
  readonly federatedIssuers: FederatedIssuersService;
  readonly apis: ApisService;
  readonly grants: GrantsService;
  readonly keys: KeysService;
  readonly adminTokens: AdminTokensService;
  readonly audit: AuditService;
  readonly revocations: RevocationsService;
  readonly configuration: ConfigurationService;
}
