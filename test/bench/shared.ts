/** The redirect URI of the load bench's flows: registered by the server process, used by the driver. */
export const REDIRECT_URI = 'http://localhost:9/cb';
