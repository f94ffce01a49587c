/** core's chatbot refuses longer messages (chatbot.api.serializers.MAX_MESSAGE_CHARS). */
export const MAX_MESSAGE_CHARS = 2000;
