import type { IssuedToken } from "../../core/index.js";

/** tymon/jwt-auth's `prv` claim: the SHA-1 of the user model's class name. */
export const PRV = "87e0af1ef9fd15812fdec97153a14e0b047546aa";

export const wireClaims = (issuerUrl: string) => ({ iss: issuerUrl, prv: PRV });

export const tokenData = (issued: IssuedToken) => ({
  access_token: issued.token,
  token_type: "bearer",
  expires_in: issued.expiresIn,
});

export const envelope = (data: unknown) => ({ success: true, message: "Success.", data });

export const failure = (message: string) => ({ success: false, message, data: [] });
