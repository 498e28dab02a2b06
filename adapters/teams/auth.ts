import { ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import {
  AuthenticationConstants,
  type AuthenticateRequestResult,
  type ClaimsIdentity,
  type ConnectorClient,
  type ConnectorFactory,
  type ServiceClientCredentialsFactory,
} from 'botframework-connector';
import { CallerIdConstants, type Activity } from 'botbuilder';
import type { AppConfig } from '../../src/config.js';

/**
 * Bot Framework authentication for aftercare: the SDK's ConfigurationBotFrameworkAuthentication,
 * with every connector client it creates stripped of the SDK's own retry policies (the outbox owns
 * retries and pacing, so one throttled conversation never stalls the others) and given a request
 * timeout (a hung connector call would otherwise hold an outbox slot forever).
 */

/**
 * Overrides of the Bot Framework endpoints, for sovereign clouds and for tests that serve their
 * own OpenID metadata and keys on loopback. Unset fields keep the public Azure values.
 */
export interface TeamsEndpoints {
  /** OpenID metadata of the tokens the channel signs (default Bot Framework's). */
  openIdMetadataUrl?: string;
  /** Expected `iss` of channel tokens (default `https://api.botframework.com`). */
  tokenIssuer?: string;
  /** Where the bot gets its own outbound token. */
  loginUrl?: string;
  /** Audience of the bot's outbound token. */
  oauthScope?: string;
}

/** The Teams sub-configuration, plus optional overrides that only code (tests, embedders) sets. */
export type TeamsModuleConfig = NonNullable<AppConfig['teams']> & {
  endpoints?: TeamsEndpoints;
  /** Replaces how outbound credentials are created (tests use a fixed token). */
  credentialsFactory?: ServiceClientCredentialsFactory;
  /** Timeout of one connector call, ms (default 15 s). */
  requestTimeoutMs?: number;
  /** How long a card click may run before Teams gets an interim answer, ms (default 4 s). */
  invokeBudgetMs?: number;
};

interface PipelineLike {
  removePolicy(options: { phase?: string; name?: string }): unknown;
  addPolicy(policy: { name: string; sendRequest(request: { timeout: number }, next: (r: unknown) => Promise<unknown>): Promise<unknown> }): void;
}

/** Removes the SDK's retry policies and sets a timeout on one connector client. */
export function tuneConnectorClient(client: ConnectorClient, timeoutMs: number): ConnectorClient {
  const pipeline = (client as unknown as { client?: { pipeline?: PipelineLike } }).client?.pipeline;
  if (pipeline) {
    pipeline.removePolicy({ phase: 'Retry' });
    pipeline.addPolicy({
      name: 'aftercareTimeout',
      sendRequest: (request, next) => {
        if (!request.timeout) request.timeout = timeoutMs;
        return next(request);
      },
    });
  }
  return client;
}

function tunedFactory(inner: ConnectorFactory, timeoutMs: number): ConnectorFactory {
  return {
    create: async (serviceUrl: string, audience?: string) => tuneConnectorClient(await inner.create(serviceUrl, audience), timeoutMs),
  } as ConnectorFactory;
}

class TunedAuthentication extends ConfigurationBotFrameworkAuthentication {
  constructor(
    options: ConfigurationBotFrameworkAuthenticationOptions,
    credentialsFactory: ServiceClientCredentialsFactory | undefined,
    private readonly timeoutMs: number,
  ) {
    super(options, credentialsFactory);
  }

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    const result = await super.authenticateRequest(activity, authHeader);
    return result.connectorFactory ? { ...result, connectorFactory: tunedFactory(result.connectorFactory, this.timeoutMs) } : result;
  }

  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return tunedFactory(super.createConnectorFactory(claimsIdentity), this.timeoutMs);
  }
}

/** Builds the authentication the CloudAdapter uses; with an empty app id, requests are not authenticated. */
export function createTeamsAuthentication(config: TeamsModuleConfig): ConfigurationBotFrameworkAuthentication {
  const options: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: config.appId,
    MicrosoftAppPassword: config.appPassword,
    MicrosoftAppType: config.appType,
    ...(config.tenantId ? { MicrosoftAppTenantId: config.tenantId } : {}),
  } as ConfigurationBotFrameworkAuthenticationOptions;
  const e = config.endpoints;
  if (e && Object.values(e).some(Boolean)) {
    // Any explicit endpoint makes the SDK expect the full set: fill the rest with the public cloud's.
    Object.assign(options, {
      ToChannelFromBotLoginUrl: e.loginUrl ?? AuthenticationConstants.ToChannelFromBotLoginUrl,
      ToChannelFromBotOAuthScope: e.oauthScope ?? AuthenticationConstants.ToChannelFromBotOAuthScope,
      ToBotFromChannelTokenIssuer: e.tokenIssuer ?? AuthenticationConstants.ToBotFromChannelTokenIssuer,
      OAuthUrl: AuthenticationConstants.OAuthUrl,
      ToBotFromChannelOpenIdMetadataUrl: e.openIdMetadataUrl ?? AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
      ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
      CallerId: CallerIdConstants.PublicAzureChannel,
    });
  }
  return new TunedAuthentication(options, config.credentialsFactory, config.requestTimeoutMs ?? 15_000);
}
